"""PostgreSQL through psycopg 3 directly: the hot path of every request.

Statements are still built with SQLAlchemy Core (the tables and statements live in one place), but
SQLAlchemy's execution layer (connection events, the async bridge, result objects) is not on the
way. Each statement is compiled by SQLAlchemy once per shape, through SQLAlchemy's own compiled
cache (an LRU keyed by the statement's cache key), to psycopg's ``%(name)s`` style with its bind
processors (JSON, timestamps); it then runs on a connection of a ``psycopg_pool`` pool as a
prepared statement, and rows come back as tuples that also answer by column name.

Transactions: the connection is in autocommit mode and PRM begins them itself. The first
statement of a unit of work is sent in one pipeline with ``BEGIN`` and, for a tenant's connection,
``SELECT set_config('app.tenant_id', <tenant>, true)`` (transaction-local: a pooled connection
never carries a tenant into the next unit of work), so that beginning costs no round trip of its
own. Writes whose result nothing reads (:meth:`PostgresConnection.defer`) wait for the next
statement or for ``COMMIT`` and travel in the same pipeline. ``commit`` sends the deferred rows
(audit events, outbox events) as prepared INSERTs in one pipeline with ``COMMIT``: one round trip;
a connection returned without a commit is rolled back.

Planner statistics do not wait for autovacuum (it may be off, or behind): the rows each statement
inserts and each ``COPY`` loads are counted by table (:mod:`~prm.adapters.sql.analyze`), and a table
that passed its next threshold (1,000 rows, then ten times more each time) is analyzed: after the
``COPY`` at once (a bulk load's later batches must plan with it), otherwise just after the
``COMMIT`` (a failed ``ANALYZE`` is logged and never undoes the unit). Without statistics,
generic plans of primary-key updates on a table filled since it was created chose another index
and filtered every row (dispatch of queued messages: 2 ms of PostgreSQL CPU a message, not 0.3).

Errors are raised as SQLAlchemy's ``DBAPIError`` subclasses wrapping psycopg's (``IntegrityError``
with ``orig.diag.constraint_name``), as the SQLAlchemy path raises them.

Its statements are made ready in ``postgres_statements``, which uses two internals of SQLAlchemy
2.1 (``_compile_w_cache`` and ``_process_parameters_for_postcompile``), the ones
``Connection.execute`` itself uses, pinned by ``uv.lock``; ``tests/integration/test_sql_connection.py``
runs the same statements through both paths and compares the results.
"""

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import msgspec
import psycopg
import sqlalchemy as sa
import structlog
from psycopg import pq
from psycopg.types.json import set_json_dumps, set_json_loads
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.engine import make_url

from prm.adapters.sql import analyze
from prm.adapters.sql.connection import Deferred, Parameters, RowCheck, SqlConnection
from prm.adapters.sql.postgres_statements import (
    DIALECT,
    Prepared,
    Result,
    insert_of,
    json_serializer,
    prepare,
    row_maker,
    translate_error,
)

log = structlog.get_logger(__name__)

_BIND_TENANT = b"SELECT set_config('app.tenant_id', %s, true)"


# --- connections -------------------------------------------------------------------------------


class PostgresConnection(SqlConnection):
    """A pooled psycopg connection for one unit of work (see the module docstring)."""

    dialect = DIALECT

    def __init__(self, connection: psycopg.AsyncConnection[Any], tenant_id: UUID | None) -> None:
        self._connection = connection
        self._tenant = str(UUID(str(tenant_id))) if tenant_id is not None else None
        self._in_transaction = False
        self._deferred: list[tuple[Prepared, RowCheck | None]] = []
        self._grown: set[str] = set()  # tables to analyze after COMMIT
        self._spoilt: Exception | None = None  # a deferred write's RowCheck failed

    def _count_inserted(self, statement: sa.Executable, prepared: Prepared) -> None:
        if isinstance(statement, sa.Insert) and statement.select is None:
            self._count(statement.table.name, len(prepared.parameters))

    def _count(self, table: str, rows: int) -> bool:
        due = analyze.THIS_PROCESS.due(table, rows)
        if due:
            self._grown.add(table)
        return due

    async def execute(self, statement: sa.Executable, parameters: Parameters = None) -> Result:
        if self._spoilt is not None:
            raise self._spoilt
        prepared = prepare(statement, parameters)
        self._count_inserted(statement, prepared)
        try:
            async with self._connection.cursor() as cursor:
                if self._in_transaction and not self._deferred:
                    await self._send(cursor, prepared)  # one statement: no pipeline to set up
                else:
                    await self._send_pending_checked((cursor, prepared))
                make = prepared.row
                if make is None and cursor.pgresult is not None and cursor.pgresult.status == pq.ExecStatus.TUPLES_OK:
                    description = cursor.description or []  # textual SQL: names from the server
                    make = row_maker(tuple(column.name for column in description))
                rows = await cursor.fetchall() if make is not None else []
                rowcount = cursor.rowcount
        except psycopg.Error as error:
            raise translate_error(error, prepared.sql, prepared.parameters) from error
        return Result([make(values) for values in rows] if make is not None else [], rowcount)

    def defer(self, statement: sa.Executable, parameters: Parameters = None, check: RowCheck | None = None) -> None:
        """Send ``statement`` with the next one, or with ``COMMIT`` (a write whose result nothing
        reads: its errors, a duplicate key say, are raised by that statement or by ``commit``).
        With a ``check``, ``commit`` sends the pending writes first and commits only if every
        check holds (one round trip more for the unit, not one a write)."""
        prepared = prepare(statement, parameters)
        self._count_inserted(statement, prepared)
        self._deferred.append((prepared, check))

    async def _send_pending_checked(self, then: tuple[psycopg.AsyncCursor[Any], Prepared] | None = None) -> None:
        """One pipeline: :meth:`_send_pending`, then ``then`` (a cursor and the statement to run on
        it), if any. Once it has synced, the checked writes' row counts are compared with their
        :class:`RowCheck`: the first that differs spoils the transaction and its error is raised.
        A psycopg error of the pipeline is raised as it is (callers translate it)."""
        checked: list[tuple[psycopg.AsyncCursor[Any], RowCheck]] = []
        try:
            async with self._connection.pipeline():
                checked = await self._send_pending()
                if then is not None:
                    await self._send(*then)
        finally:
            failed = next((c.error for cursor, c in checked if cursor.rowcount != c.rows), None)
            for cursor, _ in checked:
                await cursor.close()
        if failed is not None:
            self._spoilt = failed
            raise failed

    @staticmethod
    async def _send(cursor: psycopg.AsyncCursor[Any], prepared: Prepared) -> None:
        if len(prepared.parameters) > 1:
            await cursor.executemany(prepared.sql, prepared.parameters)
        else:
            await cursor.execute(prepared.sql, prepared.parameters[0], prepare=prepared.cacheable)

    async def _send_pending(self) -> list[tuple[psycopg.AsyncCursor[Any], RowCheck]]:
        """In a pipeline: ``BEGIN`` and the tenant binding if no transaction is open, then the
        deferred writes, in order; returns the checked ones' cursors, whose row counts are known
        once the pipeline has synced (see :meth:`_send_pending_checked`)."""
        if not self._in_transaction:
            self._in_transaction = True
            await self._connection.execute(b"BEGIN", prepare=False)
            if self._tenant is not None:
                await self._connection.execute(_BIND_TENANT, (self._tenant,), prepare=True)
        deferred, self._deferred = self._deferred, []
        checked: list[tuple[psycopg.AsyncCursor[Any], RowCheck]] = []
        if deferred:
            async with self._connection.cursor() as cursor:
                for prepared, check in deferred:
                    if check is None:
                        await self._send(cursor, prepared)
                        continue
                    own = self._connection.cursor()
                    checked.append((own, check))
                    await self._send(own, prepared)
        return checked

    async def commit(self, deferred: Deferred = ()) -> None:
        if self._spoilt is not None:
            raise self._spoilt  # left to the rollback when the connection goes back
        for table, rows in deferred:
            if rows:
                self._deferred.append((insert_of(table, rows), None))
                self._count(table.name, len(rows))
        if not self._deferred and not self._in_transaction:
            return
        if any(check is not None for _, check in self._deferred):
            try:
                await self._send_pending_checked()  # nothing commits unless every check holds
            except psycopg.Error as error:
                raise translate_error(error, "COMMIT", None) from error
        grown, self._grown = sorted(self._grown), set()
        try:
            async with self._connection.pipeline():
                await self._send_pending()
                await self._connection.execute(b"COMMIT", prepare=False)
        except psycopg.Error as error:
            raise translate_error(error, "COMMIT", None) from error
        finally:
            self._in_transaction = False
            self._deferred = []
        await self._analyze_committed(grown)

    async def _analyze_committed(self, tables: Sequence[str]) -> None:
        """``ANALYZE`` the tables that passed a threshold, after ``COMMIT`` (in autocommit: each
        its own transaction), so that a failure (a ``statement_timeout`` on a huge table, say)
        never undoes the unit's work: it is logged, and the next threshold tries again."""
        for table_name in tables:
            try:
                await self._connection.execute(analyze.analyze_sql(table_name).encode(), prepare=False)
            except psycopg.Error as error:
                log.warning("sql.analyze_failed", table=table_name, error=type(error).__name__)

    async def rollback(self) -> None:
        self._deferred = []
        self._grown.clear()
        self._spoilt = None
        if self._in_transaction:
            self._in_transaction = False
            await self._connection.execute("ROLLBACK", prepare=False)

    async def copy(self, table: sa.Table, columns: Sequence[str], data: bytes) -> None:
        statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        try:
            if not self._in_transaction or self._deferred:
                await self._send_pending_checked()
            async with self._connection.cursor() as cursor, cursor.copy(statement) as copy:
                await copy.write(data)
            if self._count(table.name, data.count(b"\n")):
                self._grown.discard(table.name)
                await self._connection.execute(analyze.analyze_sql(table.name).encode(), prepare=False)
        except psycopg.Error as error:
            raise translate_error(error, statement, None) from error

    async def lock_for_writing(self) -> None:
        return None  # PostgreSQL locks rows and ranges, not the database


def _configure(connection: psycopg.AsyncConnection[Any]) -> None:
    set_json_loads(msgspec.json.decode, connection)
    set_json_dumps(json_serializer, connection)
    connection.prepared_max = 512  # statements kept prepared per connection (LRU)


class PostgresDatabase:
    """A ``psycopg_pool`` pool of autocommit connections (``pool_size`` at most), opened on first
    use. Like SQLAlchemy's engine, it may be used again after :meth:`close` (a new pool opens)."""

    dialect = DIALECT

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self._conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._pool_size = pool_size
        self._pool: AsyncConnectionPool[Any] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def _opened(self) -> AsyncConnectionPool[Any]:
        if self._pool is None:

            async def configure(connection: psycopg.AsyncConnection[Any]) -> None:
                _configure(connection)

            self._pool = AsyncConnectionPool(
                self._conninfo,
                min_size=1,
                max_size=self._pool_size,
                kwargs={"autocommit": True},
                configure=configure,
                open=False,
                name="prm",
            )
            self._loop = asyncio.get_running_loop()
            await self._pool.open(wait=False)
        return self._pool

    @asynccontextmanager
    async def connect(self, tenant_id: UUID | None = None) -> AsyncIterator[PostgresConnection]:
        pool = await self._opened()
        async with pool.connection() as raw:
            connection = PostgresConnection(raw, tenant_id)
            try:
                yield connection
            finally:
                await connection.rollback()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresConnection]:
        async with self.connect() as connection:
            yield connection
            await connection.commit()

    async def ping(self) -> None:
        pool = await self._opened()
        async with pool.connection(timeout=5) as raw:
            await raw.execute("SELECT 1", prepare=False)

    async def close(self) -> None:
        pool, loop, self._pool, self._loop = self._pool, self._loop, None, None
        if pool is None:
            return
        if loop is asyncio.get_running_loop():
            await pool.close()
        elif loop is not None and loop.is_running():
            # Closed from another event loop (a test client's lifespan runs in a thread of its
            # own): the pool's tasks live on the loop that opened it, so close it there.
            asyncio.run_coroutine_threadsafe(pool.close(), loop)


__all__ = ["DIALECT", "PostgresConnection", "PostgresDatabase", "Result", "prepare"]
