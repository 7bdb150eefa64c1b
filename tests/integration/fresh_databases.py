"""Databases of a test's own, for what needs an empty one: the first run (no tenant yet), the
migration commands (start from nothing, go down and up) and the library's not-migrated check.

``fresh_database(backend, folder)`` yields the URL of a database with no table at all: a SQLite
path whose file does not exist yet, or a new, empty PostgreSQL database (dropped at the end) on
the suite's server. ``password`` puts one in a PostgreSQL URL (the local server ignores it), to
show that messages hide it.
"""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from tests.databases import admin_url

BACKENDS = ["sqlite", "postgresql"]


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def fresh_database(backend: str, folder: Path, *, password: str | None = None) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / 'fresh' / 'prm.sqlite3'}"
        return
    name = f"prm_fresh_{secrets.token_hex(4)}"
    with psycopg.connect(_libpq(admin_url()), autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(admin_url()).set(database=name)
    if password is not None:
        url = url.set(password=password)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq(admin_url()), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
