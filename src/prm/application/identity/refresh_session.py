"""Exchange a refresh token for a new pair (``POST /auth/refresh``), with rotation."""

import structlog

from prm.application.identity.ports import (
    AccessTokens,
    Accounts,
    RefreshRecord,
    RefreshTokens,
    Revocation,
    Secrets,
    SessionPolicy,
    TokenRevocations,
)
from prm.application.identity.sessions import SessionTokens, custom_role_names, issue_session, permissions_for
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.identity.errors import InvalidCredentials

log = structlog.get_logger(__name__)


class RefreshSession:
    """Rotate: the presented refresh token is used up and a new one (same family, so the same
    session id) comes back with a new access token carrying the user's *current* roles,
    permissions and token generation.

    Presenting a token that was already used or revoked is taken as theft: the whole family (every
    token descended from that login) is revoked, the session's access tokens are refused at once,
    and ``InvalidCredentials`` (401) is raised, as for an unknown or expired token or an inactive
    user.
    """

    def __init__(
        self,
        accounts: Accounts,
        tokens: AccessTokens,
        secrets: Secrets,
        refresh_tokens: RefreshTokens,
        revocations: TokenRevocations,
        uow: UnitOfWork,
        clock: Clock,
        policy: SessionPolicy,
    ) -> None:
        self._accounts = accounts
        self._tokens = tokens
        self._secrets = secrets
        self._refresh_tokens = refresh_tokens
        self._revocations = revocations
        self._uow = uow
        self._clock = clock
        self._policy = policy

    async def __call__(self, refresh_token: str) -> SessionTokens:
        now = self._clock.now()
        record = await self._refresh_tokens.find(self._secrets.digest(refresh_token))
        if record is None or record.expires_at <= now:
            raise InvalidCredentials("the refresh token is unknown or expired")
        if (
            record.used_at is not None
            or record.revoked_at is not None
            or not await self._refresh_tokens.mark_used(record.id, now)
        ):
            await self._close(record)
            log.warning("auth.refresh_reused", user_id=str(record.user_id), family_id=str(record.family_id))
            raise InvalidCredentials("the refresh token was already used: the session is closed, log in again")
        account = await self._accounts.get(record.tenant_id, record.user_id)
        if account is None:
            await self._close(record)
            raise InvalidCredentials("the account is no longer active")
        user, tenant = account
        custom = await self._accounts.custom_roles(tenant.id, custom_role_names(user.roles))
        session = await issue_session(
            user=user,
            tenant=tenant,
            permissions=permissions_for(user.roles, custom),
            family_id=record.family_id,
            now=now,
            tokens=self._tokens,
            secrets=self._secrets,
            refresh_tokens=self._refresh_tokens,
            policy=self._policy,
        )
        await self._uow.commit()
        return session

    async def _close(self, record: RefreshRecord) -> None:
        """Revoke the session: its refresh tokens and its access tokens (committed here)."""
        now = self._clock.now()
        await self._refresh_tokens.revoke_family(record.family_id, now)
        await self._revocations.record(
            [Revocation(tenant_id=record.tenant_id, user_id=record.user_id, at=now, session_id=record.family_id)]
        )
        await self._uow.commit()
        self._revocations.publish()
