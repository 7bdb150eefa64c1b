"""Change a user: name, email, roles, active flag, password (``PATCH /admin/users/{id}``)."""

from collections.abc import Mapping
from dataclasses import dataclass, field

import structlog

from prm.application.identity.ports import PasswordHasher, RefreshTokens, RoleRepository, UserRepository
from prm.application.identity.roles import check_role_names
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.identity.errors import CannotLockOutYourself, InvalidIdentityInput, UserNotFound
from prm.domain.identity.model import User, UserId
from prm.domain.identity.passwords import check_password

log = structlog.get_logger(__name__)

EDITABLE = frozenset({"email", "full_name", "roles", "is_active", "password"})


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateUserCommand:
    """``changes`` maps ``email``, ``full_name``, ``roles`` (names), ``is_active``, ``password`` to new values."""

    user_id: UserId
    changes: Mapping[str, object] = field(default_factory=dict)


class UpdateUser:
    """Partial update by an admin. A new password must pass the policy; deactivating a user or
    changing its password closes its sessions. An admin cannot deactivate itself or drop its own
    ``admin`` role (``CannotLockOutYourself``, 409).

    Raises ``UserNotFound`` (404), ``DuplicateEmail`` (409), ``RuleViolated`` (422). Records an
    ``update`` audit event with the names of the changed fields (``password_hash`` for a password).
    """

    def __init__(
        self,
        users: UserRepository,
        roles: RoleRepository,
        hasher: PasswordHasher,
        refresh_tokens: RefreshTokens,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._users = users
        self._roles = roles
        self._hasher = hasher
        self._refresh_tokens = refresh_tokens
        self._audit = audit
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, command: UpdateUserCommand) -> User:
        unknown = sorted(set(command.changes) - EDITABLE)
        if unknown:
            raise InvalidIdentityInput(f"cannot change {', '.join(unknown)}", field=unknown[0])
        user = await self._users.get(command.user_id)
        if user is None:
            raise UserNotFound(f"user {command.user_id} not found")
        changes = dict(command.changes)
        if "roles" in changes:
            changes["roles"] = await check_role_names(self._roles, changes["roles"])  # type: ignore[arg-type]
        if "password" in changes:
            password = str(changes.pop("password"))
            check_password(password, email=str(changes.get("email", user.email)))
            changes["password_hash"] = self._hasher.hash(password)
        if str(user.id) == self._context.principal.id and (
            changes.get("is_active") is False or ("roles" in changes and "admin" not in changes["roles"])  # type: ignore[operator]
        ):
            raise CannotLockOutYourself("you cannot deactivate yourself or drop your own admin role")
        now = self._clock.now()
        changed = user.revise(now, **changes)
        if changed:
            await self._users.save(user)
            if "password_hash" in changed or ("is_active" in changed and not user.is_active):
                await self._refresh_tokens.revoke_user(user.tenant_id, user.id, now)
            await self._audit.record(AuditAction.UPDATE, "user", [user.id], changed)
            await self._uow.commit()
            log.info("user.updated", user_id=str(user.id), fields=changed)
        return user
