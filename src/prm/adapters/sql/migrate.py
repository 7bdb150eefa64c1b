"""Running the Alembic migrations that ship inside the package (no ``alembic.ini`` needed)."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from prm.adapters.sql.engine import ensure_sqlite_folder

MIGRATIONS = Path(__file__).with_name("migrations")


def sync_url(url: str) -> str:
    """The synchronous driver URL for ``url``: migrations run with stdlib sqlite3 or sync psycopg."""
    return url.replace("sqlite+aiosqlite://", "sqlite://", 1)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    config.attributes["configure_logging"] = False
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` up to ``revision`` (idempotent; creates a SQLite file's folder)."""
    ensure_sqlite_folder(url)
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    """The revision the database is at, ``None`` when it was never migrated."""
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
