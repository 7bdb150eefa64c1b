"""Change a tenant's own role (``PATCH /admin/roles/{id}``)."""

from collections.abc import Sequence

import structlog

from prm.application.identity.grants import GrantPolicy
from prm.application.identity.ports import Revocation, RoleRepository, TokenRevocations, UserRepository
from prm.application.identity.roles import builtin_roles
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.identity.errors import BuiltinRoleIsFixed, RoleNotFound
from prm.domain.identity.model import Role, RoleId
from prm.domain.identity.permissions import check_permissions
from prm.domain.shared.ids import TenantId

log = structlog.get_logger(__name__)


class UpdateRole:
    """Change the description and/or the permissions (the name is fixed: users hold roles by name).
    Changing the permissions needs every one the role holds, before and after, and ends the access
    tokens of every user holding the role, in the same transaction: they refresh (or log in) and
    get the new permissions at once.

    Raises ``RoleNotFound`` (404), ``BuiltinRoleIsFixed`` (403), ``GrantExceedsOwn`` (403),
    ``UnknownPermission`` (422). Records an ``update`` audit event naming the changed fields."""

    def __init__(
        self,
        roles: RoleRepository,
        users: UserRepository,
        revocations: TokenRevocations,
        grants: GrantPolicy,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
        tenant_id: TenantId,
    ) -> None:
        self._tenant_id = tenant_id
        self._roles = roles
        self._users = users
        self._revocations = revocations
        self._grants = grants
        self._audit = audit
        self._uow = uow
        self._clock = clock

    async def __call__(
        self, role_id: RoleId, *, description: str | None = None, permissions: Sequence[str] | None = None
    ) -> Role:
        if any(r.id == role_id for r in builtin_roles()):
            raise BuiltinRoleIsFixed("built-in roles cannot be changed: create a role of your own")
        role = await self._roles.get(role_id)
        if role is None:
            raise RoleNotFound(f"role {role_id} not found")
        changed: list[str] = []
        if description is not None and description.strip() != role.description:
            role.description = description.strip()
            changed.append("description")
        if permissions is not None:
            new = check_permissions(list(permissions))
            if new != role.permissions:
                self._grants.check_role_change(role.permissions, new)
                role.permissions = new
                changed.append("permissions")
        if not changed:
            return role
        now = self._clock.now()
        role.updated_at = now
        await self._roles.save(role)
        revocations: list[Revocation] = []
        if "permissions" in changed:
            revocations = [
                Revocation(tenant_id=self._tenant_id, user_id=user_id, at=now, generation=gen)
                for user_id, gen in await self._users.end_sessions_of_holders(role.name)
            ]
            await self._revocations.record(revocations)
        await self._audit.record(AuditAction.UPDATE, "role", [role.id], changed)
        await self._uow.commit()
        self._revocations.publish()
        if revocations:
            log.info("role.holders_sessions_ended", role_id=str(role.id), users=len(revocations))
        return role
