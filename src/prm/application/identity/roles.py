"""Role names as users hold them: built-in or the tenant's own."""

from collections.abc import Iterable

from prm.application.identity.ports import RoleRepository
from prm.domain.identity.errors import InvalidIdentityInput
from prm.domain.identity.model import Role, builtin_role_id
from prm.domain.identity.permissions import BUILTIN_ROLES, ROLE_DESCRIPTIONS


async def check_role_names(roles: RoleRepository, names: Iterable[str]) -> tuple[str, ...]:
    """``names`` without duplicates, in order; raises ``InvalidIdentityInput`` (422 on ``roles``)
    naming the roles the tenant does not have."""
    wanted = tuple(dict.fromkeys(n.strip().lower() for n in names))
    custom = [n for n in wanted if n not in BUILTIN_ROLES]
    known = {r.name for r in await roles.get_many_by_name(custom)} if custom else set()
    unknown = [n for n in custom if n not in known]
    if unknown:
        raise InvalidIdentityInput(f"unknown role(s): {', '.join(unknown)}", field="roles")
    return wanted


def builtin_roles() -> list[Role]:
    """The built-in roles as ``Role`` values (fixed ids, no tenant)."""
    return [
        Role(
            id=builtin_role_id(name),
            tenant_id=None,
            name=name,
            description=ROLE_DESCRIPTIONS[name],
            permissions=permissions,
            builtin=True,
        )
        for name, permissions in BUILTIN_ROLES.items()
    ]
