"""Create a user of the caller's tenant (``POST /admin/users``, ``prm users create-admin``)."""

from dataclasses import dataclass

import structlog

from prm.application.identity.grants import GrantPolicy
from prm.application.identity.ports import PasswordHasher, RoleRepository, UserRepository
from prm.application.identity.roles import check_role_names
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.identity.model import User
from prm.domain.identity.passwords import check_password

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateUserCommand:
    email: str
    full_name: str
    password: str
    roles: tuple[str, ...] = ()


class CreateUser:
    """Create an active user holding ``roles`` (built-in or the tenant's own role names).

    Raises ``WeakPassword`` / ``RuleViolated`` (422, naming the field), ``RoleNotFound`` (422
    on ``roles`` for an unknown role: see ``check_role_names``), ``DuplicateEmail`` (409),
    ``AdminOnly`` / ``GrantExceedsOwn`` (403: the roles give more than the caller holds; see
    ``grants``). Records a ``create`` audit event.
    """

    def __init__(
        self,
        users: UserRepository,
        roles: RoleRepository,
        hasher: PasswordHasher,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
        grants: GrantPolicy,
    ) -> None:
        self._grants = grants
        self._users = users
        self._roles = roles
        self._hasher = hasher
        self._audit = audit
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, command: CreateUserCommand) -> User:
        check_password(command.password, email=command.email)
        roles = await check_role_names(self._roles, command.roles)
        await self._grants.check_role_grant(roles)
        user = User.create(
            tenant_id=self._context.tenant_id,
            email=command.email,
            full_name=command.full_name,
            password_hash=await self._hasher.hash(command.password),
            roles=roles,
            now=self._clock.now(),
        )
        await self._users.add(user)
        await self._audit.record(AuditAction.CREATE, "user", [user.id])
        await self._uow.commit()
        log.info("user.created", user_id=str(user.id))
        return user
