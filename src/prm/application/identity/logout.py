"""Close a session (``POST /auth/logout``)."""

from prm.application.identity.ports import RefreshTokens, Secrets
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, UnitOfWork


class Logout:
    """Revoke the refresh token's family (this login's session). Idempotent: an unknown token or
    one of another user is ignored. The access token stays valid until it expires (≤ 15 min)."""

    def __init__(
        self, refresh_tokens: RefreshTokens, secrets: Secrets, uow: UnitOfWork, clock: Clock, context: RequestContext
    ) -> None:
        self._refresh_tokens = refresh_tokens
        self._secrets = secrets
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, refresh_token: str) -> None:
        record = await self._refresh_tokens.find(self._secrets.digest(refresh_token))
        if record is None or str(record.user_id) != self._context.principal.id:
            return
        await self._refresh_tokens.revoke_family(record.family_id, self._clock.now())
        await self._uow.commit()
