"""Change one's own password (``POST /auth/change-password``)."""

from uuid import UUID

import structlog

from prm.application.identity.ports import PasswordHasher, RefreshTokens, Revocation, TokenRevocations, UserRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import PrincipalKind, RequestContext
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.identity.errors import InvalidCredentials, WeakPassword
from prm.domain.identity.model import UserId
from prm.domain.identity.passwords import check_password

log = structlog.get_logger(__name__)


class ChangePassword:
    """Check the current password, apply the policy to the new one, store its hash and close every
    session of the user: all refresh tokens revoked, and every access token (the caller's own
    included) refused at once through a new token generation. The user logs in again.

    Raises ``InvalidCredentials`` (401) for a wrong current password, ``WeakPassword`` (422).
    Records an ``update`` audit event naming ``password_hash`` (never a value).
    """

    def __init__(
        self,
        users: UserRepository,
        hasher: PasswordHasher,
        refresh_tokens: RefreshTokens,
        revocations: TokenRevocations,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._users = users
        self._hasher = hasher
        self._refresh_tokens = refresh_tokens
        self._revocations = revocations
        self._audit = audit
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, current_password: str, new_password: str) -> None:
        principal = self._context.principal
        if principal.kind is not PrincipalKind.USER or principal.id is None:
            raise InvalidCredentials("only a user has a password")
        user = await self._users.get(UserId(UUID(principal.id)))
        if user is None or not await self._hasher.verify(current_password, user.password_hash):
            raise InvalidCredentials("the current password is wrong")
        check_password(new_password, email=user.email)
        if await self._hasher.verify(new_password, user.password_hash):
            raise WeakPassword("the new password must differ from the current one", field="new_password")
        now = self._clock.now()
        user.revise(now, password_hash=await self._hasher.hash(new_password))
        await self._users.save(user)
        await self._refresh_tokens.revoke_user(user.tenant_id, user.id, now)
        revoked = Revocation(tenant_id=user.tenant_id, user_id=user.id, at=now, generation=user.token_generation)
        await self._revocations.record([revoked])
        await self._audit.record(AuditAction.UPDATE, "user", [user.id], ["password_hash"])
        await self._uow.commit()
        self._revocations.publish()
        log.info("auth.password_changed", user_id=str(user.id))
