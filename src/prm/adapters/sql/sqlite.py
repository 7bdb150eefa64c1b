"""SQLite, the embedded default, through SQLAlchemy's aiosqlite engine (WAL, foreign keys).

The same :class:`~prm.adapters.sql.connection.SqlConnection` as PostgreSQL's, over SQLAlchemy's
``AsyncConnection``: statements and results pass through unchanged, deferred rows are inserted
just before ``COMMIT``, and :meth:`SqliteConnection.lock_for_writing` takes the database's one write
lock (``BEGIN IMMEDIATE``) so that a check and the write after it do not interleave. SQLite has no
row-level security: the tenant is in every statement, as on PostgreSQL.
"""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from prm.adapters.sql.connection import Deferred, Parameters, RowCheck, SqlConnection, SqlResult

_encoder = msgspec.json.Encoder()


def _json_serializer(value: Any) -> str:
    return _encoder.encode(value).decode()


def ensure_sqlite_folder(url: str) -> None:
    """Create the folder of a SQLite database file (``var/`` on a fresh checkout) if missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def sqlite_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An aiosqlite engine with PRM's pragmas; the file's folder is created if missing."""
    ensure_sqlite_folder(url)
    engine = create_async_engine(
        url, echo=echo, hide_parameters=True, json_serializer=_json_serializer, json_deserializer=msgspec.json.decode
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=10000", "synchronous=NORMAL"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    return engine


class SqliteConnection(SqlConnection):
    """SQLAlchemy's ``AsyncConnection`` for one unit of work."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection
        self._deferred: list[tuple[sa.Executable, Parameters, RowCheck | None]] = []
        self._spoilt: Exception | None = None  # a deferred write's RowCheck failed

    @property
    def dialect(self) -> Dialect:
        return self._connection.dialect

    async def execute(self, statement: sa.Executable, parameters: Parameters = None) -> SqlResult:
        await self._flush()
        result: SqlResult = await self._connection.execute(statement, parameters)
        return result

    def defer(self, statement: sa.Executable, parameters: Parameters = None, check: RowCheck | None = None) -> None:
        self._deferred.append((statement, parameters, check))

    async def _flush(self) -> None:
        if self._spoilt is not None:
            raise self._spoilt
        deferred, self._deferred = self._deferred, []
        for statement, parameters, check in deferred:
            result = await self._connection.execute(statement, parameters)
            if check is not None and result.rowcount != check.rows:
                self._spoilt = check.error
                raise check.error

    async def commit(self, deferred: Deferred = ()) -> None:
        await self._flush()
        for table, rows in deferred:
            if rows:
                await self._connection.execute(sa.insert(table), list(rows))
        await self._connection.commit()

    async def copy(self, table: sa.Table, columns: Sequence[str], data: bytes) -> None:
        raise NotImplementedError("COPY is PostgreSQL's")

    async def lock_for_writing(self) -> None:
        raw = await self._connection.get_raw_connection()
        driver: Any = raw.driver_connection
        if not driver.in_transaction:
            await self._connection.exec_driver_sql("BEGIN IMMEDIATE")


class SqliteDatabase:
    """The process's SQLite engine."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.engine = sqlite_engine(url, echo=echo)

    @property
    def dialect(self) -> Dialect:
        return self.engine.dialect

    @asynccontextmanager
    async def connect(self, tenant_id: UUID | None = None) -> AsyncIterator[SqliteConnection]:
        async with self.engine.connect() as connection:  # closing without commit rolls back
            yield SqliteConnection(connection)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteConnection]:
        async with self.engine.connect() as connection:
            yield SqliteConnection(connection)
            await connection.commit()

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(sa.text("SELECT 1"))

    async def close(self) -> None:
        await self.engine.dispose()
