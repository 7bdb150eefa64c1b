"""Failed-login counting in the database, shared by every server process (table ``login_failures``).

A sliding 60-second window per key: one row per failure and key, stored by the key's SHA-256
(never the email or address itself). ``check`` is one indexed query (``key_hash, failed_at``)
for all the keys of an attempt; ``failed`` one insert, plus, at most every ``PRUNE_SECONDS`` per
process, a delete of the rows that left the window (index on ``failed_at``). Each call runs on a
short connection of its own, outside the unit of work: a failed login rolls its unit back, the
count must stay.

Concurrent attempts check before any of them is counted, so a burst of *n* parallel attempts
against one key can pass the limit by up to *n - 1*; sequential guessing cannot.
"""

import hashlib
import math
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa

from prm.adapters.sql.connection import SqlDatabase
from prm.adapters.sql.identity_tables import login_failures
from prm.application.identity.ports import LoginThrottle
from prm.application.shared.ports import Clock
from prm.domain.shared.errors import RateLimited
from prm.domain.shared.ids import new_id

WINDOW = timedelta(seconds=60)
PRUNE_SECONDS = 10.0


def key_hash(key: str) -> str:
    """The stored form of a throttle key: hex SHA-256."""
    return hashlib.sha256(key.encode()).hexdigest()


class SqlLoginThrottle(LoginThrottle):
    """Process-wide. At most ``limit`` failures per key in any 60 seconds; the next attempt is
    refused until the oldest failure leaves the window."""

    def __init__(self, database: SqlDatabase, clock: Clock, limit: int = 10) -> None:
        self._database = database
        self._clock = clock
        self._limit = limit
        self._pruned_at: datetime | None = None

    async def check(self, keys: Sequence[str]) -> None:
        if not keys:
            return
        now = self._clock.now()
        query = (
            sa.select(sa.func.count(), sa.func.min(login_failures.c.failed_at))
            .where(login_failures.c.key_hash.in_([key_hash(k) for k in keys]))
            .where(login_failures.c.failed_at > now - WINDOW)
            .group_by(login_failures.c.key_hash)
        )
        async with self._database.connect() as connection:
            counts = (await connection.execute(query)).all()
        over = [oldest for count, oldest in counts if count >= self._limit]
        if over:
            wait = max(1, math.ceil((min(over) + WINDOW - now).total_seconds()))
            raise RateLimited(f"too many failed logins: try again in {wait} seconds", retry_after=wait)

    async def failed(self, keys: Sequence[str]) -> None:
        if not keys:
            return
        now = self._clock.now()
        rows = [{"id": new_id(), "key_hash": key_hash(k), "failed_at": now} for k in keys]
        async with self._database.transaction() as connection:
            await connection.execute(sa.insert(login_failures), rows)
            if self._pruned_at is None or (now - self._pruned_at).total_seconds() >= PRUNE_SECONDS:
                await connection.execute(sa.delete(login_failures).where(login_failures.c.failed_at <= now - WINDOW))
                self._pruned_at = now

    async def succeeded(self, key: str) -> None:
        async with self._database.transaction() as connection:
            await connection.execute(sa.delete(login_failures).where(login_failures.c.key_hash == key_hash(key)))
