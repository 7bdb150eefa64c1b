"""The in-memory side of access-token revocation: who is refused, until when.

Two maps: ``(tenant, user) -> minimum valid token generation`` and ``session id -> revoked``.
Each entry is kept for as long as a token it refuses can still be alive: the access-token
lifetime (plus a margin for clock skew between processes) after the revocation; by then every
token issued before it has expired on its own. Looking a token up is two dictionary reads.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from uuid import UUID

from prm.application.identity.ports import AccessClaims, Revocation

SKEW = timedelta(minutes=1)
"""Entries outlive the token lifetime by this much: clocks of processes and database differ a little."""


class RevocationMap:
    """``lifetime``: how long an access token lives (``PRM_ACCESS_TOKEN_MINUTES``)."""

    def __init__(self, lifetime: timedelta) -> None:
        self._keep = lifetime + SKEW
        self._generations: dict[tuple[UUID, UUID], tuple[int, datetime]] = {}
        self._sessions: dict[UUID, datetime] = {}

    def apply(self, revocations: Iterable[Revocation]) -> None:
        for revocation in revocations:
            until = revocation.at + self._keep
            if revocation.generation is not None:
                key = (revocation.tenant_id, revocation.user_id)
                generation, kept = self._generations.get(key, (revocation.generation, until))
                self._generations[key] = (max(generation, revocation.generation), max(kept, until))
            if revocation.session_id is not None:
                self._sessions[revocation.session_id] = max(until, self._sessions.get(revocation.session_id, until))

    def is_revoked(self, claims: AccessClaims) -> bool:
        if claims.session_id in self._sessions:
            return True
        minimum = self._generations.get((claims.tenant_id, _uuid(claims.subject)))
        return minimum is not None and claims.generation < minimum[0]

    def prune(self, now: datetime) -> None:
        """Forget entries no live token can be refused by any more."""
        self._generations = {k: v for k, v in self._generations.items() if v[1] > now}
        self._sessions = {k: v for k, v in self._sessions.items() if v > now}

    def __len__(self) -> int:
        return len(self._generations) + len(self._sessions)


def _uuid(subject: str) -> UUID:
    try:
        return UUID(subject)
    except ValueError:
        return UUID(int=0)
