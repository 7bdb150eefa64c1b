"""Test helpers for identity: cheap password hashing, a per-test login throttle, tenants, users
and logged-in clients."""

import secrets
from collections.abc import Sequence
from typing import Any, TypeAlias
from uuid import UUID, uuid4

from dishka import Provider, Scope, provide
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.adapters.security.passwords import Argon2PasswordHasher
from prm.adapters.sql.connection import SqlDatabase
from prm.adapters.sql.identity_throttle import SqlLoginThrottle
from prm.application.identity.create_api_key import CreateApiKey
from prm.application.identity.create_tenant import CreateTenant, CreateTenantCommand
from prm.application.identity.create_user import CreateUser, CreateUserCommand
from prm.application.identity.ports import LoginThrottle, PasswordHasher
from prm.application.shared.ports import Clock
from prm.domain.shared.ids import TenantId
from prm.entrypoints.library import Prm
from prm.settings import Settings

Client: TypeAlias = AsyncTestClient[Litestar]
PASSWORD = "correct horse battery staple"
LOGIN = "/api/v1/prm/auth/login"

_CHEAP = Argon2PasswordHasher(time_cost=1, memory_cost=1024)


class CheapHashing(Provider):
    """argon2id with minimal cost: the suite creates a user for nearly every test."""

    @provide(scope=Scope.APP, override=True)
    def password_hasher(self) -> PasswordHasher:
        return _CHEAP


class _Prefixed(LoginThrottle):
    def __init__(self, throttle: LoginThrottle, prefix: str) -> None:
        self._throttle = throttle
        self._prefix = prefix

    async def check(self, keys: Sequence[str]) -> None:
        await self._throttle.check([self._prefix + k for k in keys])

    async def failed(self, keys: Sequence[str]) -> None:
        await self._throttle.failed([self._prefix + k for k in keys])

    async def succeeded(self, key: str) -> None:
        await self._throttle.succeeded(self._prefix + key)


class PerTestLoginThrottle(Provider):
    """The database throttle with its keys prefixed by the test's own tenant id. Every test client
    calls from the address ``testclient`` and the test database outlives a test, so one test's
    failed logins would otherwise throttle the next test's; apps built on the same settings (two
    "processes" of one test) still share their counts."""

    @provide(scope=Scope.APP, override=True)
    def login_throttle(self, database: SqlDatabase, clock: Clock, settings: Settings) -> LoginThrottle:
        throttle = SqlLoginThrottle(database, clock, settings.login_failures_per_minute)
        return _Prefixed(throttle, f"test:{settings.default_tenant_id}:")


async def create_tenant(settings: Settings, tenant_id: UUID | None = None, slug: str | None = None) -> UUID:
    async with Prm.open(settings, providers=(CheapHashing(),)) as prm:
        tenant = await prm.run(
            CreateTenant,
            CreateTenantCommand(
                name="Test clinic",
                slug=slug or f"t-{secrets.token_hex(6)}",
                phone_region=settings.default_phone_region,
                tenant_id=TenantId(tenant_id) if tenant_id else None,
            ),
        )
    return UUID(str(tenant.id))


async def create_user(
    settings: Settings, tenant_id: UUID, roles: Sequence[str], email: str | None = None, password: str = PASSWORD
) -> str:
    """Create a user; returns its email."""
    email = email or f"{'-'.join(roles) or 'none'}-{uuid4().hex[:8]}@example.org"
    async with Prm.open(settings, tenant_id=tenant_id, providers=(CheapHashing(),)) as prm:
        await prm.run(
            CreateUser, CreateUserCommand(email=email, full_name="Test User", password=password, roles=tuple(roles))
        )
    return email


async def create_api_key(settings: Settings, tenant_id: UUID, permissions: Sequence[str]) -> str:
    async with Prm.open(settings, tenant_id=tenant_id, providers=(CheapHashing(),)) as prm:
        created = await prm.run(CreateApiKey, "test integration", list(permissions))
    return str(created.secret)


async def log_in(client: Client, email: str, password: str = PASSWORD) -> dict[str, Any]:
    """Log in and make ``client`` send the access token from now on; returns the login answer."""
    response = await client.post(LOGIN, json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    session: dict[str, Any] = response.json()
    client.headers["Authorization"] = f"Bearer {session['access']}"
    return session
