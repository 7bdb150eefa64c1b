"""Change a tenant's own role (``PATCH /admin/roles/{id}``)."""

from collections.abc import Sequence

from prm.application.identity.ports import RoleRepository
from prm.application.identity.roles import builtin_roles
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.identity.errors import BuiltinRoleIsFixed, RoleNotFound
from prm.domain.identity.model import Role, RoleId
from prm.domain.identity.permissions import check_permissions


class UpdateRole:
    """Change the description and/or the permissions (the name is fixed: users hold roles by name).
    Users get the new permissions with their next access token (≤ 15 minutes).

    Raises ``RoleNotFound`` (404), ``BuiltinRoleIsFixed`` (403), ``UnknownPermission`` (422).
    Records an ``update`` audit event naming the changed fields."""

    def __init__(self, roles: RoleRepository, audit: AuditTrail, uow: UnitOfWork, clock: Clock) -> None:
        self._roles = roles
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
                role.permissions = new
                changed.append("permissions")
        if changed:
            role.updated_at = self._clock.now()
            await self._roles.save(role)
            await self._audit.record(AuditAction.UPDATE, "role", [role.id], changed)
            await self._uow.commit()
        return role
