"""Remove a user's access (``DELETE /admin/users/{id}``): the account stays, inactive."""

import structlog

from prm.application.identity.grants import GrantPolicy
from prm.application.identity.ports import RefreshTokens, Revocation, TokenRevocations, UserRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.identity.errors import CannotLockOutYourself, UserNotFound
from prm.domain.identity.model import UserId

log = structlog.get_logger(__name__)


class DeactivateUser:
    """Soft delete: the user can no longer log in or refresh, its sessions are revoked and its
    access tokens refused at once (a new token generation, in the same transaction); the row
    stays so that audit events keep naming a known actor. Idempotent. The caller must hold every
    permission the user holds (only an admin deactivates an admin), and the tenant's last active
    admin stays.

    Raises ``UserNotFound`` (404), ``AdminOnly`` / ``GrantExceedsOwn`` (403),
    ``CannotLockOutYourself``, ``LastAdmin`` (409). Records a ``delete`` audit event.
    """

    def __init__(
        self,
        users: UserRepository,
        refresh_tokens: RefreshTokens,
        revocations: TokenRevocations,
        grants: GrantPolicy,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._users = users
        self._refresh_tokens = refresh_tokens
        self._revocations = revocations
        self._grants = grants
        self._audit = audit
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, user_id: UserId) -> None:
        user = await self._users.get(user_id)
        if user is None:
            raise UserNotFound(f"user {user_id} not found")
        await self._grants.check_may_manage(user)
        if str(user.id) == self._context.principal.id:
            raise CannotLockOutYourself("you cannot deactivate yourself")
        if not user.is_active:
            return
        await self._grants.check_keeps_an_admin(user, roles=user.roles, is_active=False)
        now = self._clock.now()
        user.revise(now, is_active=False)
        await self._users.save(user)
        await self._refresh_tokens.revoke_user(user.tenant_id, user.id, now)
        revoked = Revocation(tenant_id=user.tenant_id, user_id=user.id, at=now, generation=user.token_generation)
        await self._revocations.record([revoked])
        await self._audit.record(AuditAction.DELETE, "user", [user.id], ["is_active"])
        await self._uow.commit()
        self._revocations.publish()
        log.info("user.deactivated", user_id=str(user.id))
