"""Fixtures of the identity unit tests: one tenant's users and roles at a fixed time, and
``world``, which builds callers and targets in it."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from prm.application.identity.grants import GrantPolicy
from prm.application.identity.sessions import custom_role_names, permissions_for
from prm.application.shared.context import Principal, PrincipalKind, RequestContext
from prm.domain.identity.model import Role, User
from prm.domain.shared.ids import TenantId, new_id
from tests.unit.identity.fakes import (
    FakeUnitOfWork,
    FixedClock,
    InMemoryAuditTrail,
    InMemoryRefreshTokens,
    InMemoryRevokedTokens,
    InMemoryRoles,
    InMemoryTokenRevocations,
    InMemoryUsers,
    PlainHasher,
)

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
TENANT = TenantId(new_id())
PASSWORD = "correct horse battery staple"


@dataclass
class World:
    """One tenant: ``users`` and ``roles`` with everything a use case of identity needs."""

    users: InMemoryUsers
    roles: InMemoryRoles
    uow: FakeUnitOfWork
    clock: FixedClock
    audit: InMemoryAuditTrail
    refresh_tokens: InMemoryRefreshTokens
    revoked: InMemoryRevokedTokens
    revocations: InMemoryTokenRevocations
    hasher: PlainHasher

    async def user(self, *roles: str, active: bool = True) -> User:
        user = User.create(
            tenant_id=TENANT,
            email=f"u-{new_id().hex[-12:]}@example.org",
            full_name="Test User",
            password_hash=await self.hasher.hash(PASSWORD),
            roles=roles,
            now=NOW,
        )
        user.is_active = active
        await self.users.add(user)
        return user

    async def role(self, name: str, permissions: Iterable[str]) -> Role:
        role = Role.create(tenant_id=TENANT, name=name, description="", permissions=list(permissions), now=NOW)
        await self.roles.add(role)
        return role

    def context(
        self, caller: User | None = None, permissions: Iterable[str] = (), *, api_key: bool = False
    ) -> RequestContext:
        """A user caller (its id), an API key, or the system principal (``caller`` None, no ``api_key``)."""
        if caller is None and not api_key:
            return RequestContext(tenant_id=TENANT, principal=Principal(PrincipalKind.SYSTEM, id="system"))
        kind = PrincipalKind.API_KEY if api_key else PrincipalKind.USER
        principal_id = str(new_id()) if caller is None else str(caller.id)
        return RequestContext(
            tenant_id=TENANT, principal=Principal(kind, id=principal_id, permissions=frozenset(permissions))
        )

    async def as_user(self, caller: User) -> RequestContext:
        """``caller`` calling with the permissions its roles give (what its access token carries)."""
        custom = await self.roles.get_many_by_name(custom_role_names(caller.roles))
        return self.context(caller, permissions_for(caller.roles, custom))

    def grants(self, context: RequestContext) -> GrantPolicy:
        return GrantPolicy(context, self.roles, self.users)


@pytest.fixture
def world() -> World:
    uow = FakeUnitOfWork()
    revoked = InMemoryRevokedTokens()
    return World(
        users=InMemoryUsers(TENANT),
        roles=InMemoryRoles(TENANT),
        uow=uow,
        clock=FixedClock(NOW),
        audit=InMemoryAuditTrail(),
        refresh_tokens=InMemoryRefreshTokens(),
        revoked=revoked,
        revocations=InMemoryTokenRevocations(revoked, uow),
        hasher=PlainHasher(),
    )
