"""Throw-away databases for one benchmark run, dropped at the end even when the run fails.

PostgreSQL comes from ``PRM_TEST_DATABASE_URL`` (default: the local server, user ``postgres``),
as for the test suite; each database is ``prm_bench_<random>``.
"""

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from prm.adapters.sql import migrate

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def admin_url() -> str:
    return os.environ.get("PRM_TEST_DATABASE_URL", DEFAULT_ADMIN_URL)


def libpq(url: str) -> str:
    """``url`` for psycopg itself (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_version() -> str:
    with psycopg.connect(libpq(admin_url()), connect_timeout=5) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


def backend_pids(connection: psycopg.Connection[Any]) -> set[int]:
    """The PostgreSQL processes serving ``connection``'s database, but for ``connection`` itself:
    the processes whose CPU time is PRM's (the server may be shared with other databases)."""
    rows = connection.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    ).fetchall()
    return {int(row[0]) for row in rows}


@contextmanager
def postgres_database() -> Iterator[str]:
    """Create and migrate a fresh PostgreSQL database; yield its URL; drop it on the way out."""
    base = admin_url()
    name = f"prm_bench_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(libpq(base), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise RuntimeError(
            f"PostgreSQL at PRM_TEST_DATABASE_URL={base} does not answer ({exc}); run `make postgres`"
        ) from exc
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        with psycopg.connect(libpq(base), autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def sqlite_database(folder: Path) -> Iterator[str]:
    """A fresh, migrated SQLite file in ``folder`` (the caller removes the folder)."""
    path = folder / f"prm-bench-{secrets.token_hex(4)}.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    migrate.upgrade(url)
    yield url
