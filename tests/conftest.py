"""Fixtures shared by the whole suite.

Integration tests run once per backend: ``database_url`` is parametrised over SQLite and
PostgreSQL. Every test gets a tenant of its own, so counts and lists see only its own rows.
"""

from collections.abc import AsyncIterator, Iterator
from uuid import UUID, uuid4

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.entrypoints.http.app import create_app
from prm.settings import Settings
from tests.databases import postgres_database, sqlite_database

BACKENDS = ["sqlite", "postgresql"]


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
        database_url=database_url, env="test", default_tenant_id=tenant_id, access_log=False, log_level="warning"
    )


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        yield test_client
