"""The roles a tenant's users can hold (``GET /admin/roles``)."""

from prm.application.identity.ports import RoleRepository
from prm.application.identity.roles import builtin_roles
from prm.domain.identity.model import Role


class ListRoles:
    """Built-in roles first (fixed), then the tenant's own, by name."""

    def __init__(self, roles: RoleRepository) -> None:
        self._roles = roles

    async def __call__(self) -> list[Role]:
        return [*builtin_roles(), *sorted(await self._roles.list(), key=lambda r: r.name)]
