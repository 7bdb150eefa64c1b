"""Engine factory for the two supported databases.

``sqlite+aiosqlite:///path`` (the embedded default) gets WAL, foreign keys, a busy timeout and
``synchronous=NORMAL``; ``postgresql+psycopg://`` gets a connection pool and transactions that
begin in one round trip, bound to the tenant (see :mod:`prm.adapters.sql.tenancy`). JSON columns are
encoded with msgspec. Both hide bound parameters from SQLAlchemy's error texts
(``hide_parameters=True``): a failed statement's message must not carry a patient's name or phone.
"""

from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from prm.adapters.sql.tenancy import install_transactions

_encoder = msgspec.json.Encoder()


def _json_serializer(value: Any) -> str:
    return _encoder.encode(value).decode()


def ensure_sqlite_folder(url: str) -> None:
    """Create the folder of a SQLite database file (``var/`` on a fresh checkout) if missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    """An async engine for ``url``; for a SQLite file, its folder is created if missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        ensure_sqlite_folder(url)
        engine = create_async_engine(
            url,
            echo=echo,
            hide_parameters=True,
            json_serializer=_json_serializer,
            json_deserializer=msgspec.json.decode,
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=10000", "synchronous=NORMAL"):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

        return engine
    engine = create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        hide_parameters=True,
        json_serializer=_json_serializer,
        json_deserializer=msgspec.json.decode,
        isolation_level="AUTOCOMMIT",  # transactions begin in tenancy.install_transactions, in one round trip
    )
    return install_transactions(engine)
