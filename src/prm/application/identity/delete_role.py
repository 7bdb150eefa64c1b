"""Delete a tenant's own role (``DELETE /admin/roles/{id}``)."""

from prm.application.identity.ports import RoleRepository, UserRepository
from prm.application.identity.roles import builtin_roles
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import UnitOfWork
from prm.domain.identity.errors import BuiltinRoleIsFixed, RoleInUse, RoleNotFound
from prm.domain.identity.model import RoleId


class DeleteRole:
    """Raises ``RoleNotFound`` (404), ``BuiltinRoleIsFixed`` (403), ``RoleInUse`` (409) while any
    user holds it. Records a ``delete`` audit event."""

    def __init__(self, roles: RoleRepository, users: UserRepository, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._roles = roles
        self._users = users
        self._audit = audit
        self._uow = uow

    async def __call__(self, role_id: RoleId) -> None:
        if any(r.id == role_id for r in builtin_roles()):
            raise BuiltinRoleIsFixed("built-in roles cannot be deleted")
        role = await self._roles.get(role_id)
        if role is None:
            raise RoleNotFound(f"role {role_id} not found")
        holders = await self._users.holding_role(role.name)
        if holders:
            raise RoleInUse(f"{holders} user(s) hold role {role.name!r}: take it from them first")
        await self._roles.remove(role)
        await self._audit.record(AuditAction.DELETE, "role", [role.id])
        await self._uow.commit()
