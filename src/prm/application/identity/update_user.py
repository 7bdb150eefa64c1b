"""Change a user: name, email, roles, active flag, password (``PATCH /admin/users/{id}``)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import structlog

from prm.application.identity.grants import GrantPolicy
from prm.application.identity.ports import (
    PasswordHasher,
    RefreshTokens,
    Revocation,
    RoleRepository,
    TokenRevocations,
    UserRepository,
)
from prm.application.identity.roles import check_role_names
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.identity.errors import CannotLockOutYourself, InvalidIdentityInput, UserNotFound
from prm.domain.identity.model import User, UserId
from prm.domain.identity.passwords import check_password
from prm.domain.identity.permissions import ADMIN_ROLE

log = structlog.get_logger(__name__)

EDITABLE = frozenset({"email", "full_name", "roles", "is_active", "password"})


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateUserCommand:
    """``changes`` maps ``email``, ``full_name``, ``roles`` (names), ``is_active``, ``password`` to new values."""

    user_id: UserId
    changes: Mapping[str, object] = field(default_factory=dict)


class UpdateUser:
    """Partial update by a user manager, within the rules of ``grants``: the caller must hold every
    permission the user holds (only an admin changes an admin) and every permission of the new
    roles (only an admin grants ``admin``); the tenant's last active admin keeps its role and
    stays active. A new password must pass the policy. Changing roles, the password or the active
    flag ends the user's access tokens at once (a new token generation); deactivating it or
    changing its password also closes its sessions. An admin cannot deactivate itself or drop its
    own ``admin`` role (``CannotLockOutYourself``, 409).

    Raises ``UserNotFound`` (404), ``AdminOnly`` / ``GrantExceedsOwn`` (403), ``DuplicateEmail``,
    ``CannotLockOutYourself``, ``LastAdmin`` (409), ``RuleViolated`` (422). Records an ``update``
    audit event with the names of the changed fields (``password_hash`` for a password).
    """

    def __init__(
        self,
        users: UserRepository,
        roles: RoleRepository,
        hasher: PasswordHasher,
        refresh_tokens: RefreshTokens,
        revocations: TokenRevocations,
        grants: GrantPolicy,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._users = users
        self._roles = roles
        self._hasher = hasher
        self._refresh_tokens = refresh_tokens
        self._revocations = revocations
        self._grants = grants
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
        await self._grants.check_may_manage(user)
        changes = dict(command.changes)
        roles: Sequence[str] = user.roles
        if "roles" in changes:
            roles = await check_role_names(self._roles, changes["roles"])  # type: ignore[arg-type]
            await self._grants.check_role_grant(roles)
            changes["roles"] = roles
        is_active = bool(changes.get("is_active", user.is_active))
        if "password" in changes:
            password = str(changes.pop("password"))
            check_password(password, email=str(changes.get("email", user.email)))
            changes["password_hash"] = await self._hasher.hash(password)
        if str(user.id) == self._context.principal.id and (
            not is_active or (user.is_admin and ADMIN_ROLE not in roles)
        ):
            raise CannotLockOutYourself("you cannot deactivate yourself or drop your own admin role")
        await self._grants.check_keeps_an_admin(user, roles=roles, is_active=is_active)
        now = self._clock.now()
        generation = user.token_generation
        changed = user.revise(now, **changes)
        if not changed:
            return user
        await self._users.save(user)
        if "password_hash" in changed or ("is_active" in changed and not user.is_active):
            await self._refresh_tokens.revoke_user(user.tenant_id, user.id, now)
        if user.token_generation != generation:
            revoked = Revocation(tenant_id=user.tenant_id, user_id=user.id, at=now, generation=user.token_generation)
            await self._revocations.record([revoked])
        await self._audit.record(AuditAction.UPDATE, "user", [user.id], changed)
        await self._uow.commit()
        self._revocations.publish()
        log.info("user.updated", user_id=str(user.id), fields=changed)
        return user
