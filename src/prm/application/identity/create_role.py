"""Create a tenant's own role (``POST /admin/roles``)."""

from collections.abc import Sequence

from prm.application.identity.grants import GrantPolicy
from prm.application.identity.ports import RoleRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.identity.errors import DuplicateRole
from prm.domain.identity.model import Role, is_builtin_role


class CreateRole:
    """``name`` is snake_case and unique in the tenant (built-in names are taken); ``permissions``
    are ``resource:action`` names, all held by the caller. Raises ``DuplicateRole`` (409),
    ``RuleViolated`` (422), ``GrantExceedsOwn`` (403). Records a ``create`` audit event."""

    def __init__(
        self,
        roles: RoleRepository,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
        grants: GrantPolicy,
    ) -> None:
        self._grants = grants
        self._roles = roles
        self._audit = audit
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, name: str, description: str, permissions: Sequence[str]) -> Role:
        role = Role.create(
            tenant_id=self._context.tenant_id,
            name=name,
            description=description,
            permissions=list(permissions),
            now=self._clock.now(),
        )
        self._grants.check_grant(role.permissions, to="a role")
        if is_builtin_role(role.name) or await self._roles.get_many_by_name([role.name]):
            raise DuplicateRole(f"the tenant has a role named {role.name!r} already")
        await self._roles.add(role)
        await self._audit.record(AuditAction.CREATE, "role", [role.id])
        await self._uow.commit()
        return role
