"""Remove a user's access (``DELETE /admin/users/{id}``): the account stays, inactive."""

import structlog

from prm.application.identity.ports import RefreshTokens, UserRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.identity.errors import CannotLockOutYourself, UserNotFound
from prm.domain.identity.model import UserId

log = structlog.get_logger(__name__)


class DeactivateUser:
    """Soft delete: the user can no longer log in or refresh, and its sessions are revoked; the
    row stays so that audit events keep naming a known actor. Idempotent.

    Raises ``UserNotFound`` (404), ``CannotLockOutYourself`` (409). Records a ``delete`` audit event.
    """

    def __init__(
        self,
        users: UserRepository,
        refresh_tokens: RefreshTokens,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._users = users
        self._refresh_tokens = refresh_tokens
        self._audit = audit
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, user_id: UserId) -> None:
        user = await self._users.get(user_id)
        if user is None:
            raise UserNotFound(f"user {user_id} not found")
        if str(user.id) == self._context.principal.id:
            raise CannotLockOutYourself("you cannot deactivate yourself")
        if not user.is_active:
            return
        now = self._clock.now()
        user.revise(now, is_active=False)
        await self._users.save(user)
        await self._refresh_tokens.revoke_user(user.tenant_id, user.id, now)
        await self._audit.record(AuditAction.DELETE, "user", [user.id], ["is_active"])
        await self._uow.commit()
        log.info("user.deactivated", user_id=str(user.id))
