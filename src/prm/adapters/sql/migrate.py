"""Running the Alembic migrations that ship inside the package (no ``alembic.ini`` needed), and
checking that a database is at the revision this code expects.

:func:`upgrade` and :func:`downgrade` return the revision before and after, for the command
line to say what it did. :func:`check_migrated` is the cheap check the library makes when it
opens (two small queries on a pooled connection); :func:`require_database_file` comes before it,
so that a SQLite path that names no file is reported instead of created empty. URLs in messages
are rendered with the password hidden (:func:`display_url`).
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from prm.adapters.sql.connection import SqlDatabase
from prm.adapters.sql.engine import ensure_sqlite_folder

MIGRATIONS = Path(__file__).with_name("migrations")
UPGRADE_HINT = "run `prm db upgrade`"


class DatabaseNotMigrated(Exception):
    """The database has no PRM schema, or another revision than this code's (``str()``: one line
    naming the database and what to do)."""


class MigrationRefused(Exception):
    """Alembic refused the revision asked for: unknown, or on the wrong side of the current one."""


@dataclass(frozen=True, slots=True)
class Migration:
    """What a migration command did: the revision before and after (``None``: no PRM schema)."""

    before: str | None
    after: str | None


def display_url(url: str) -> str:
    """``url`` fit to print: its password, if any, shown as ``***``."""
    return make_url(url).render_as_string(hide_password=True)


def sync_url(url: str) -> str:
    """The synchronous driver URL for ``url``: migrations run with stdlib sqlite3 or sync psycopg."""
    return url.replace("sqlite+aiosqlite://", "sqlite://", 1)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    config.attributes["configure_logging"] = False
    return config


def _sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database URL; ``None`` for another database or an in-memory one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def require_database_file(url: str) -> None:
    """Raise :class:`DatabaseNotMigrated` when ``url`` names a SQLite file that does not exist
    (connecting would create it empty, and its folder with it)."""
    path = _sqlite_file(url)
    if path is not None and not path.exists():
        raise DatabaseNotMigrated(
            f"the database at {display_url(url)} is not migrated: there is no file {path.absolute()} "
            f"({UPGRADE_HINT} to create it, or set PRM_DATABASE_URL)"
        )


def upgrade(url: str, revision: str = "head") -> Migration:
    """Migrate the database at ``url`` up to ``revision`` (idempotent; creates a SQLite file and its
    folder). Raises :class:`MigrationRefused` for a revision Alembic cannot go up to."""
    ensure_sqlite_folder(url)
    before = current_revision(url)
    try:
        command.upgrade(alembic_config(url), revision)
    except CommandError as exc:
        raise MigrationRefused(str(exc)) from exc
    return Migration(before, current_revision(url))


def downgrade(url: str, revision: str) -> Migration:
    """Migrate the database at ``url`` down to ``revision`` (``base``: no PRM table left). Raises
    :class:`DatabaseNotMigrated` for a database without PRM's schema (a SQLite file is not
    created) and :class:`MigrationRefused` for a revision Alembic cannot go down to."""
    require_database_file(url)
    before = current_revision(url)
    if before is None:
        raise DatabaseNotMigrated(f"the database at {display_url(url)} is not migrated: nothing to downgrade")
    try:
        command.downgrade(alembic_config(url), revision)
    except CommandError as exc:
        raise MigrationRefused(str(exc)) from exc
    return Migration(before, current_revision(url))


_VERSION = sa.text("SELECT version_num FROM alembic_version")


def _stored_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def current_revision(url: str) -> str | None:
    """The revision the database is at, ``None`` when it was never migrated (a SQLite file that
    does not exist is left so)."""
    path = _sqlite_file(url)
    if path is not None and not path.exists():
        return None
    engine = create_engine(sync_url(url), hide_parameters=True)
    try:
        with engine.connect() as connection:
            return _stored_revision(connection)
    finally:
        engine.dispose()


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def head_revision() -> str | None:
    """The newest revision of the migrations shipped with this code."""
    return _scripts().get_current_head()


def _is_known(revision: str) -> bool:
    try:
        return _scripts().get_revision(revision) is not None
    except CommandError:
        return False


async def stored_revision(database: SqlDatabase) -> str | None:
    """The revision in the database's ``alembic_version`` table; ``None`` without one."""
    async with database.connect() as connection:
        try:
            revision = (await connection.execute(_VERSION)).scalar()
            return str(revision) if revision is not None else None
        except (OperationalError, ProgrammingError):  # no alembic_version table: never migrated
            return None


async def check_migrated(database: SqlDatabase, url: str) -> None:
    """Raise :class:`DatabaseNotMigrated` unless ``database`` (at ``url``) is at
    :func:`head_revision`. Call :func:`require_database_file` first for a SQLite file."""
    current = await stored_revision(database)
    head = head_revision()
    if current == head:
        return
    where = f"the database at {display_url(url)}"
    if current is None:
        raise DatabaseNotMigrated(f"{where} is not migrated ({UPGRADE_HINT})")
    if not _is_known(current):
        raise DatabaseNotMigrated(f"{where} is at revision {current}, unknown to this PRM (a newer PRM migrated it)")
    raise DatabaseNotMigrated(f"{where} is at revision {current}, this PRM needs {head} ({UPGRADE_HINT})")
