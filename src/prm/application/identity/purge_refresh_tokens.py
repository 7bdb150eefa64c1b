"""Forget refresh tokens that can no longer be used (run periodically, e.g. hourly)."""

from datetime import timedelta

import structlog

from prm.application.identity.ports import RefreshTokens
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, UnitOfWork

log = structlog.get_logger(__name__)

KEEP_REVOKED = timedelta(days=1)
"""How long a revoked refresh token is kept (a reuse within that time is still reported as such)."""


class PurgeRefreshTokens:
    """Deletes the tenant's expired refresh tokens and those revoked more than
    :data:`KEEP_REVOKED` ago; returns how many went."""

    def __init__(self, tokens: RefreshTokens, context: RequestContext, uow: UnitOfWork, clock: Clock) -> None:
        self._tokens = tokens
        self._context = context
        self._uow = uow
        self._clock = clock

    async def __call__(self) -> int:
        now = self._clock.now()
        purged = await self._tokens.purge(self._context.tenant_id, now, now - KEEP_REVOKED)
        await self._uow.commit()
        if purged:
            log.info("refresh_tokens.purged", count=purged)
        return purged
