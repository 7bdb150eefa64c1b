"""The access-token revocation feed (table ``token_revocations``) and its per-process reader.

Writers (``SqlTokenRevocations``, request-scoped) add rows in the transaction of the change that
revokes (a deactivation, a role or password change, a logout), and after the commit hand them to
this process's ``SqlRevokedTokens``, which refuses them at once. Every process's
``SqlRevokedTokens`` also reads the rows of the others: at most once per ``poll_seconds``, one
query ``WHERE seq > :last`` on the primary key; at its first use it loads the rows younger than
the access-token lifetime (older ones can no longer refuse a live token). Verifying a token costs
no query beyond that poll.

A poller must never skip a row: on PostgreSQL two transactions could take sequence numbers in
one order and commit in the other, and a poll between the two commits would move past the
smaller number. Writers therefore take a transaction-scoped advisory lock just before their
insert, the last statement before the commit, so the feed is committed in ``seq`` order
(SQLite has one writer at a time anyway). Writers also prune the rows older than the lifetime,
all but the newest: SQLite numbers a new row one above the highest left, so a feed pruned empty
would start again at 1, below every poller's ``last``, and its rows would never be read.
"""

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from prm.adapters.security.revocations import SKEW, RevocationMap
from prm.adapters.sql.connection import SqlConnection, SqlDatabase
from prm.adapters.sql.identity_tables import token_revocations
from prm.application.identity.ports import (
    AccessClaims,
    Revocation,
    RevokedTokens,
    SessionPolicy,
    TokenRevocations,
)
from prm.application.shared.ports import Clock
from prm.domain.identity.model import UserId
from prm.domain.shared.ids import TenantId

FEED_LOCK = 0x70726D5F72766B  # "prm_rvk": the advisory lock key of the feed's writers


def _revocation(row: Mapping[Any, Any]) -> Revocation:
    return Revocation(
        tenant_id=TenantId(row["tenant_id"]),
        user_id=UserId(row["user_id"]),
        at=row["created_at"],
        generation=row["generation"],
        session_id=row["session_id"],
    )


class SqlRevokedTokens(RevokedTokens):
    """Process-wide (see the module docstring). ``lifetime`` is the access tokens' lifetime."""

    def __init__(
        self,
        database: SqlDatabase,
        clock: Clock,
        *,
        poll_seconds: float,
        lifetime: timedelta,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._database = database
        self._clock = clock
        self._poll_seconds = poll_seconds
        self._keep = lifetime + SKEW
        self._monotonic = monotonic
        self._map = RevocationMap(lifetime)
        self._last_seq: int | None = None
        self._polled_at = 0.0
        self._lock = asyncio.Lock()

    async def is_revoked(self, claims: AccessClaims) -> bool:
        await self._refresh()
        return self._map.is_revoked(claims)

    def apply(self, revocations: Sequence[Revocation]) -> None:
        self._map.apply(revocations)

    def _due(self) -> bool:
        return self._last_seq is None or self._monotonic() - self._polled_at >= self._poll_seconds

    async def _refresh(self) -> None:
        if not self._due() or (self._last_seq is not None and self._lock.locked()):
            return  # fresh enough, or another request is polling: answer from what we have
        async with self._lock:
            if not self._due():
                return
            started = self._monotonic()
            now = self._clock.now()
            columns = list(token_revocations.c)
            async with self._database.connect() as connection:
                if self._last_seq is None:
                    last = (await connection.execute(sa.select(sa.func.max(token_revocations.c.seq)))).scalar()
                    query = sa.select(*columns).where(token_revocations.c.created_at > now - self._keep)
                else:
                    last = self._last_seq
                    query = sa.select(*columns).where(token_revocations.c.seq > self._last_seq)
                rows = (await connection.execute(query.order_by(token_revocations.c.seq))).mappings().all()
            self._map.apply([_revocation(r) for r in rows])
            self._last_seq = max([last or 0, *(r["seq"] for r in rows)])
            self._polled_at = started
            self._map.prune(now)


class SqlTokenRevocations(TokenRevocations):
    """Request-scoped, on the unit of work's connection (see the module docstring)."""

    def __init__(self, connection: SqlConnection, revoked: RevokedTokens, clock: Clock, policy: SessionPolicy) -> None:
        self._connection = connection
        self._revoked = revoked
        self._clock = clock
        self._keep = timedelta(minutes=policy.access_minutes) + SKEW
        self._pending: list[Revocation] = []

    async def record(self, revocations: Sequence[Revocation]) -> None:
        if not revocations:
            return
        if self._connection.dialect.name == "postgresql":
            await self._connection.execute(sa.select(sa.func.pg_advisory_xact_lock(FEED_LOCK)))
        cutoff = self._clock.now() - self._keep
        newest = sa.select(sa.func.max(token_revocations.c.seq)).scalar_subquery()
        prune = sa.delete(token_revocations).where(
            token_revocations.c.created_at < cutoff, token_revocations.c.seq < newest
        )
        await self._connection.execute(prune)
        await self._connection.execute(
            sa.insert(token_revocations),
            [
                {
                    "tenant_id": r.tenant_id,
                    "user_id": r.user_id,
                    "session_id": r.session_id,
                    "generation": r.generation,
                    "created_at": r.at,
                }
                for r in revocations
            ],
        )
        self._pending.extend(revocations)

    def publish(self) -> None:
        pending, self._pending = self._pending, []
        if pending:
            self._revoked.apply(pending)
