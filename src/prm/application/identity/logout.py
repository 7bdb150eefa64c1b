"""Close a session (``POST /auth/logout``)."""

import structlog

from prm.application.identity.ports import RefreshTokens, Revocation, Secrets, TokenRevocations
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, UnitOfWork

log = structlog.get_logger(__name__)


class Logout:
    """Revoke the refresh token's family (this login's session) and refuse, at once, the access
    tokens of that session (claim ``sid``); the user's other sessions go on. Idempotent: an
    unknown token or one of another user is ignored."""

    def __init__(
        self,
        refresh_tokens: RefreshTokens,
        revocations: TokenRevocations,
        secrets: Secrets,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._refresh_tokens = refresh_tokens
        self._revocations = revocations
        self._secrets = secrets
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, refresh_token: str) -> None:
        record = await self._refresh_tokens.find(self._secrets.digest(refresh_token))
        if record is None or str(record.user_id) != self._context.principal.id:
            return
        now = self._clock.now()
        await self._refresh_tokens.revoke_family(record.family_id, now)
        await self._revocations.record(
            [Revocation(tenant_id=record.tenant_id, user_id=record.user_id, at=now, session_id=record.family_id)]
        )
        await self._uow.commit()
        self._revocations.publish()
        log.info("auth.logout", user_id=str(record.user_id), session_id=str(record.family_id))
