"""Fixtures shared by the whole suite.

Integration tests run once per backend: ``database_url`` is parametrised over SQLite and
PostgreSQL. Every test gets a tenant of its own, so counts and lists see only its own rows.

``client`` is logged in as an admin of that tenant (``tenant_id``); ``client_as(role)`` gives
clients of other roles in the same tenant, ``anonymous_client`` sends no credentials,
``api_key_client`` an ``X-API-Key`` with given permissions, and ``other_tenant_client`` is an
admin of a second tenant. Passwords are hashed with minimal argon2 cost (``tests.auth``).
"""

import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import AsyncExitStack
from uuid import UUID, uuid4

import pytest
import structlog
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.entrypoints.http.app import create_app
from prm.settings import Settings
from tests.auth import CheapHashing, PerTestLoginThrottle, create_api_key, create_tenant, create_user, log_in
from tests.databases import postgres_database, sqlite_database

BACKENDS = ["sqlite", "postgresql"]

# Apps the tests build run no background work unless a test asks (tests/integration/test_worker*.py
# run Workers and `prm worker` themselves); subprocesses get PRM_WORKER explicitly (tests/served.py).
os.environ["PRM_WORKER"] = "off"
# No quiet hours unless a test sets a tenant's own: nothing may depend on the hour the suite runs at.
os.environ["PRM_QUIET_HOURS"] = "00:00-00:00"


@pytest.fixture(autouse=True)
def _logging_as_it_was() -> Iterator[None]:
    """Commands run in-process (``main``, the import, the duplicate scan) configure logging onto
    the test's captured stderr, which is closed after it: every test puts logging back as it was."""
    config = structlog.get_config()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    structlog.configure(**config)
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="session")
def _sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with sqlite_database(tmp_path_factory.mktemp("sqlite")) as url:
        yield url


@pytest.fixture(scope="session")
def _postgres_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> str:
    """The URL of a migrated database, once for SQLite and once for PostgreSQL."""
    name = "_sqlite_url" if request.param == "sqlite" else "_postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def tenant_id() -> UUID:
    return uuid4()


@pytest.fixture
def settings(database_url: str, tenant_id: UUID) -> Settings:
    return Settings(
        database_url=database_url,
        env="test",
        default_tenant_id=tenant_id,
        access_log=False,
        log_level="warning",
        worker="off",  # tests that want background work run a Worker themselves (tests/integration/test_worker*.py)
    )


ClientFactory = Callable[..., Awaitable[AsyncTestClient[Litestar]]]


@pytest.fixture
async def app(settings: Settings) -> Litestar:
    """The application, with cheap password hashing and a login throttle of the test's own."""
    return create_app(settings, CheapHashing(), PerTestLoginThrottle())


@pytest.fixture
async def make_client(app: Litestar, settings: Settings) -> AsyncIterator[ClientFactory]:
    """``await make_client(roles=("front_desk",), tenant_id=...)``: a client of a new user, logged
    in (``roles=None``: anonymous); ``api_key=[permissions]`` sends an API key instead."""
    async with AsyncExitStack() as stack:

        async def make(
            roles: Sequence[str] | None = ("admin",),
            tenant_id: UUID | None = None,
            api_key: Sequence[str] | None = None,
        ) -> AsyncTestClient[Litestar]:
            test_client = await stack.enter_async_context(AsyncTestClient(app=app))
            tenant = tenant_id or settings.default_tenant_id
            if api_key is not None:
                test_client.headers["X-API-Key"] = await create_api_key(settings, tenant, api_key)
            elif roles is not None:
                await log_in(test_client, await create_user(settings, tenant, roles))
            return test_client

        yield make


@pytest.fixture
async def client(settings: Settings, tenant_id: UUID, make_client: ClientFactory) -> AsyncTestClient[Litestar]:
    """An admin of the test's own tenant (``tenant_id``)."""
    await create_tenant(settings, tenant_id)
    return await make_client()


@pytest.fixture
async def client_as(client: AsyncTestClient[Litestar], make_client: ClientFactory) -> ClientFactory:
    """``await client_as("front_desk")``: a user with these roles in the test's tenant."""

    async def make(*roles: str) -> AsyncTestClient[Litestar]:
        return await make_client(roles=roles)

    return make


@pytest.fixture
async def anonymous_client(client: AsyncTestClient[Litestar], make_client: ClientFactory) -> AsyncTestClient[Litestar]:
    return await make_client(roles=None)


@pytest.fixture
async def api_key_client(client: AsyncTestClient[Litestar], make_client: ClientFactory) -> ClientFactory:
    """``await api_key_client("patients:read", ...)``: a client sending an API key of the test's tenant."""

    async def make(*permissions: str) -> AsyncTestClient[Litestar]:
        return await make_client(api_key=permissions)

    return make


@pytest.fixture
async def other_tenant_client(
    settings: Settings, client: AsyncTestClient[Litestar], make_client: ClientFactory
) -> AsyncTestClient[Litestar]:
    """An admin of a second tenant."""
    return await make_client(tenant_id=await create_tenant(settings))
