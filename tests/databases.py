"""Test databases: a SQLite file and a PostgreSQL database of this run's own, both migrated.

PostgreSQL comes from ``PRM_TEST_DATABASE_URL`` (default: the local server, user ``postgres``);
the suite creates ``prm_test_<random>`` there and drops it at the end. No server is a failure,
never a skip.
"""

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from prm.adapters.sql import migrate

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def admin_url() -> str:
    return os.environ.get("PRM_TEST_DATABASE_URL", DEFAULT_ADMIN_URL)


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def postgres_database() -> Iterator[str]:
    """Create, migrate, yield the URL of, and finally drop a fresh PostgreSQL database."""
    base = admin_url()
    name = f"prm_test_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(_libpq(base), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise RuntimeError(
            f"PostgreSQL at PRM_TEST_DATABASE_URL={base} does not answer ({exc}); "
            "the test suite needs it (run `make postgres`)"
        ) from exc
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        with psycopg.connect(_libpq(base), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def sqlite_database(folder: Path) -> Iterator[str]:
    url = f"sqlite+aiosqlite:///{folder / 'prm-test.sqlite3'}"
    migrate.upgrade(url)
    yield url
