"""The process's database for the two supported URLs (see :mod:`prm.adapters.sql.connection`).

``sqlite+aiosqlite:///path`` (the embedded default) is SQLAlchemy's aiosqlite engine with WAL,
foreign keys, a busy timeout and ``synchronous=NORMAL``; ``postgresql+psycopg://`` is a pool of
psycopg connections that begin their transactions in one round trip, bound to the tenant. Both
hide bound parameters from error texts: a failed statement's message must not carry a patient's
name or phone.
"""

from sqlalchemy.engine import make_url

from prm.adapters.sql.connection import SqlDatabase
from prm.adapters.sql.postgres import PostgresDatabase
from prm.adapters.sql.sqlite import SqliteDatabase, ensure_sqlite_folder


def make_database(url: str, *, pool_size: int = 10) -> SqlDatabase:
    """The database at ``url``; for a SQLite file, its folder is created if missing."""
    if make_url(url).get_backend_name() == "sqlite":
        return SqliteDatabase(url)
    return PostgresDatabase(url, pool_size=pool_size)


__all__ = ["ensure_sqlite_folder", "make_database"]
