"""One role (``GET /admin/roles/{id}``)."""

from prm.application.identity.ports import RoleRepository
from prm.application.identity.roles import builtin_roles
from prm.domain.identity.errors import RoleNotFound
from prm.domain.identity.model import Role, RoleId


class GetRole:
    """A built-in role or one of the tenant's own; raises ``RoleNotFound`` (404)."""

    def __init__(self, roles: RoleRepository) -> None:
        self._roles = roles

    async def __call__(self, role_id: RoleId) -> Role:
        role = next((r for r in builtin_roles() if r.id == role_id), None) or await self._roles.get(role_id)
        if role is None:
            raise RoleNotFound(f"role {role_id} not found")
        return role
