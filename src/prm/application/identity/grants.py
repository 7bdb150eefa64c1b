"""Who may grant what: the identity context's rules against privilege escalation, in one place.

1. A grant never exceeds what the grantor holds: the roles given to a user (create or update:
   the union of its new roles), an API key's permissions, a role's permissions (create or
   update: the role's *resulting* set). ``GrantExceedsOwn`` (403, ``identity.grant_exceeds_own``).
2. Nobody takes over more than it holds: changing (any field) or deactivating a user needs every
   permission that user holds, since a password or email change would hand them over; changing
   a role's permissions needs every permission it holds before, too. ``GrantExceedsOwn`` (403).
3. Only an admin touches admins: granting the ``admin`` role, or creating, changing or
   deactivating a holder of it, needs an admin-equivalent caller. ``AdminOnly`` (403,
   ``identity.admin_only``).
4. A tenant keeps an active admin: its last active ``admin`` cannot be deactivated or demoted,
   by anyone. ``LastAdmin`` (409, ``identity.last_admin``: the caller may do this in general, the
   tenant's state refuses it).

*Admin-equivalent* means holding every permission there is (all of ``PERMISSIONS``): the
``admin`` role, a tenant's role listing them all, or an API key listing them all (only an
admin-equivalent caller can make either). The caller's permissions are
``RequestContext.principal.permissions``: a user's come from its access token, which a change of
its roles ends at once (``token_generation``), an API key's from the key. The system principal
(the CLI, the library, batch jobs: an operator with database access) holds every permission.
"""

from collections.abc import Iterable, Sequence

from prm.application.identity.ports import RoleRepository, UserRepository
from prm.application.identity.sessions import custom_role_names, permissions_for
from prm.application.shared.context import Principal, PrincipalKind, RequestContext
from prm.domain.identity.errors import AdminOnly, GrantExceedsOwn, LastAdmin
from prm.domain.identity.model import User
from prm.domain.identity.permissions import ADMIN_ROLE, PERMISSIONS, is_admin_equivalent


def held_by(principal: Principal) -> frozenset[str]:
    """The permissions ``principal`` acts with (every one for the system principal)."""
    return PERMISSIONS if principal.kind is PrincipalKind.SYSTEM else principal.permissions


class GrantPolicy:
    """The rules of the module docstring, for the caller of one unit of work."""

    def __init__(self, context: RequestContext, roles: RoleRepository, users: UserRepository) -> None:
        self._context = context
        self._roles = roles
        self._users = users

    @property
    def held(self) -> frozenset[str]:
        return held_by(self._context.principal)

    @property
    def caller_is_admin(self) -> bool:
        return is_admin_equivalent(self.held)

    async def permissions_of(self, role_names: Iterable[str]) -> frozenset[str]:
        """The union of the permissions of the named roles (built-in or the tenant's own)."""
        names = list(role_names)
        custom = await self._roles.get_many_by_name(custom_role_names(names))
        return permissions_for(names, custom)

    def check_grant(self, permissions: Iterable[str], *, to: str) -> None:
        """Refuse giving ``permissions`` (to an API key or a role, named by ``to``) that the caller lacks."""
        missing = sorted(frozenset(permissions) - self.held)
        if missing:
            raise GrantExceedsOwn(f"you cannot give {to} permissions you do not hold: {', '.join(missing)}")

    def check_role_change(self, current: Iterable[str], new: Iterable[str]) -> None:
        """Refuse changing a role's permissions from ``current`` to ``new`` unless the caller holds both."""
        self.check_grant(new, to="a role")
        missing = sorted(frozenset(current) - self.held)
        if missing:
            raise GrantExceedsOwn(f"this role holds permissions you do not hold: {', '.join(missing)}")

    async def check_role_grant(self, role_names: Sequence[str]) -> None:
        """Refuse giving a user ``role_names`` (its whole new set) beyond the caller's own permissions."""
        if ADMIN_ROLE in role_names and not self.caller_is_admin:
            raise AdminOnly("only an admin grants the admin role")
        missing = sorted(await self.permissions_of(role_names) - self.held)
        if missing:
            raise GrantExceedsOwn(f"these roles hold permissions you do not hold: {', '.join(missing)}")

    async def check_may_manage(self, user: User) -> None:
        """Refuse changing or deactivating ``user`` unless the caller holds all it holds (admin-only for an admin)."""
        if user.is_admin and not self.caller_is_admin:
            raise AdminOnly("only an admin changes or deactivates an admin")
        missing = sorted(await self.permissions_of(user.roles) - self.held)
        if missing:
            raise GrantExceedsOwn(f"this user holds permissions you do not hold: {', '.join(missing)}")

    async def check_keeps_an_admin(self, user: User, *, roles: Sequence[str], is_active: bool) -> None:
        """Refuse turning ``user`` (as stored) into ``roles``/``is_active`` when that leaves its tenant
        without an active admin. Locks the admins' rows until the unit of work ends."""
        if not (user.is_active and user.is_admin) or (is_active and ADMIN_ROLE in roles):
            return
        others = [uid for uid in await self._users.lock_active_holders(ADMIN_ROLE) if uid != user.id]
        if not others:
            raise LastAdmin("this is the tenant's last active admin: make another user admin first")
