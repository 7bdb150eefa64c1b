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

Errors are raised as SQLAlchemy's ``DBAPIError`` subclasses wrapping psycopg's (``IntegrityError``
with ``orig.diag.constraint_name``), as the SQLAlchemy path raises them.

This module uses two internals of SQLAlchemy 2.1 (``_compile_w_cache`` and
``_process_parameters_for_postcompile``), the ones ``Connection.execute`` itself uses, pinned by
``uv.lock``; ``tests/integration/test_sql_connection.py`` runs the same statements through both
paths and compares the results.
"""

import asyncio
import re
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import msgspec
import psycopg
import sqlalchemy as sa
from psycopg import pq
from psycopg.types.json import set_json_dumps, set_json_loads
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import psycopg as psycopg_dialect
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.util import LRUCache

from prm.adapters.sql.connection import Deferred, Parameters, SqlConnection

_encoder = msgspec.json.Encoder()


def _json_serializer(value: Any) -> str:
    return _encoder.encode(value).decode()


DIALECT: Dialect = psycopg_dialect.dialect(  # type: ignore[no-untyped-call]
    json_serializer=_json_serializer, json_deserializer=msgspec.json.decode
)
"""SQLAlchemy's psycopg dialect, used to compile statements (never to connect)."""

_COMPILED: LRUCache[Any, Any] = LRUCache(2000)


# --- rows and results --------------------------------------------------------------------------


def _row_class(keys: tuple[str, ...]) -> type[tuple[Any, ...]]:
    index = {key: i for i, key in enumerate(keys)}

    class Row(tuple[Any, ...]):
        __slots__ = ()
        _fields = keys

        @property
        def _mapping(self) -> dict[str, Any]:
            return dict(zip(keys, self, strict=True))

        def __getattr__(self, name: str) -> Any:
            try:
                return self[index[name]]
            except KeyError:
                raise AttributeError(name) from None

    return Row


_ROW_CLASSES: dict[tuple[str, ...], type[tuple[Any, ...]]] = {}


class _Mappings:
    def __init__(self, rows: Sequence[Any]) -> None:
        self._rows: list[Mapping[str, Any]] = [row._mapping for row in rows]

    def all(self) -> list[Mapping[str, Any]]:
        return self._rows

    def first(self) -> Mapping[str, Any] | None:
        return self._rows[0] if self._rows else None

    def one(self) -> Mapping[str, Any]:
        if len(self._rows) != 1:
            raise sa_exc.NoResultFound("one row expected") if not self._rows else sa_exc.MultipleResultsFound()
        return self._rows[0]

    def one_or_none(self) -> Mapping[str, Any] | None:
        if len(self._rows) > 1:
            raise sa_exc.MultipleResultsFound()
        return self.first()

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        return iter(self._rows)


class _Scalars:
    def __init__(self, rows: Sequence[Any]) -> None:
        self._values = [row[0] for row in rows]

    def all(self) -> list[Any]:
        return self._values

    def first(self) -> Any:
        return self._values[0] if self._values else None

    def one(self) -> Any:
        if len(self._values) != 1:
            raise sa_exc.NoResultFound("one row expected") if not self._values else sa_exc.MultipleResultsFound()
        return self._values[0]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)


class Result:
    """All rows of one statement, fetched; the subset of SQLAlchemy's ``Result`` adapters use."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def all(self) -> list[Any]:
        return self._rows

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def one(self) -> Any:
        if len(self._rows) != 1:
            raise sa_exc.NoResultFound("one row expected") if not self._rows else sa_exc.MultipleResultsFound()
        return self._rows[0]

    def one_or_none(self) -> Any:
        if len(self._rows) > 1:
            raise sa_exc.MultipleResultsFound()
        return self.first()

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalar_one(self) -> Any:
        return self.one()[0]

    def scalar_one_or_none(self) -> Any:
        row = self.one_or_none()
        return None if row is None else row[0]

    def scalars(self) -> _Scalars:
        return _Scalars(self._rows)

    def mappings(self) -> _Mappings:
        return _Mappings(self._rows)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)


# --- compiling ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A statement as psycopg runs it: SQL, parameters, and how to make its rows."""

    sql: str
    parameters: list[dict[str, Any]]
    row: Callable[[Sequence[Any]], Any] | None  # None: the statement returns no rows
    cacheable: bool


_BIND_TENANT = b"SELECT set_config('app.tenant_id', %s, true)"


def _row_maker(keys: tuple[str, ...]) -> type[tuple[Any, ...]]:
    row_class = _ROW_CLASSES.get(keys)
    if row_class is None:
        row_class = _ROW_CLASSES[keys] = _row_class(keys)
    return row_class


def _result_maker(compiled: Any) -> Callable[[Sequence[Any]], Any] | None:
    columns = getattr(compiled, "_result_columns", None)
    if not columns:
        return None
    keys = tuple(column.keyname for column in columns)
    row_class = _row_maker(keys)
    processors = [column.type._cached_result_processor(DIALECT, None) for column in columns]
    if not any(processors):
        return row_class
    pairs = list(enumerate(processors))

    def make(values: Sequence[Any]) -> Any:
        converted = list(values)
        for i, process in pairs:
            if process is not None:
                converted[i] = process(converted[i])
        return row_class(converted)

    return make


@dataclass(frozen=True, slots=True)
class _Plan:
    """What does not change between two executions of one statement object with the same keys."""

    compiled: Any
    extracted: Any
    param_dict: Any
    row: Callable[[Sequence[Any]], Any] | None
    processors: Mapping[str, Callable[[Any], Any]]
    escaped: Mapping[str, str]
    expands: bool


_PLANS: "weakref.WeakKeyDictionary[Any, dict[tuple[tuple[str, ...], bool], _Plan]]" = weakref.WeakKeyDictionary()
"""Per statement object (weakly: a statement built for one request goes with it); a statement built
once, at import, is compiled once and its cache key never computed again."""


def _plan(statement: Any, keys: tuple[str, ...], many: bool) -> _Plan:
    by_keys = _PLANS.get(statement)
    if by_keys is None:
        by_keys = _PLANS[statement] = {}
    plan = by_keys.get((keys, many))
    if plan is None:
        compiled, extracted, param_dict, _ = statement._compile_w_cache(
            dialect=DIALECT, compiled_cache=_COMPILED, column_keys=list(keys), for_executemany=many
        )
        plan = by_keys[(keys, many)] = _Plan(
            compiled,
            extracted,
            param_dict,
            _result_maker(compiled),
            compiled._bind_processors,
            compiled.escaped_bind_names or {},
            bool(compiled.literal_execute_params or compiled.post_compile_params),
        )
    return plan


def prepare(statement: sa.Executable, parameters: Parameters) -> _Prepared:
    """Compile ``statement`` (once per statement object and set of keys, through SQLAlchemy's
    compiled cache) and bind ``parameters`` the way SQLAlchemy's own execution context does."""
    many = isinstance(parameters, Sequence) and not isinstance(parameters, Mapping)
    groups: list[Mapping[str, Any]] = list(parameters) if many else [parameters] if parameters else []  # type: ignore[arg-type, list-item]
    plan = _plan(statement, tuple(sorted(groups[0])) if groups else (), len(groups) > 1)
    compiled = plan.compiled
    constructed = (
        [
            compiled.construct_params(
                group,
                escape_names=False,
                _group_number=i,
                extracted_parameters=plan.extracted,
                _collected_params=plan.param_dict,
            )
            for i, group in enumerate(groups)
        ]
        if groups
        else [
            compiled.construct_params(
                extracted_parameters=plan.extracted, escape_names=False, _collected_params=plan.param_dict
            )
        ]
    )
    sql = compiled.string
    processors = plan.processors
    if plan.expands:
        expanded = compiled._process_parameters_for_postcompile(constructed[0])
        sql = expanded.statement
        processors = {**processors, **expanded.processors}
        constructed = [expanded.parameters]
    escaped = plan.escaped
    bound = [
        {
            escaped.get(name, name): (processors[name](value) if name in processors else value)
            for name, value in group.items()
        }
        for group in constructed
    ]
    return _Prepared(sql, bound, plan.row, not plan.expands)


def _translate(error: psycopg.Error, sql: str, parameters: Any) -> sa_exc.StatementError:
    return sa_exc.DBAPIError.instance(sql, parameters, error, psycopg.Error, hide_parameters=True)


# --- deferred rows: prepared INSERTs sent in one pipeline with COMMIT ------------------------


_INSERTS: dict[sa.Table, tuple[sa.Insert, tuple[str, ...]]] = {}
_UNNEST_SQL: dict[str, tuple[str, tuple[str, ...]] | None] = {}
_CAST_BIND = re.compile(r"%\((\w+)\)s::(.+)")


def _unnest_sql(table: sa.Table, single: str) -> tuple[str, tuple[str, ...]] | None:
    """The rows-at-once form of ``single`` (the one-row INSERT that SQLAlchemy compiled, each value
    ``%(name)s::TYPE``): ``INSERT … SELECT * FROM unnest(%(name)s::TYPE[], …)``, one array per
    column, and the names in order; None if a value has no cast. Built once per table."""
    if table.name in _UNNEST_SQL:
        return _UNNEST_SQL[table.name]
    head, _, values = single.partition(" VALUES (")
    binds = [_CAST_BIND.fullmatch(part) for part in re.split(r", (?=%\()", values.removesuffix(")"))]
    found: tuple[str, tuple[str, ...]] | None = None
    if binds and all(binds):
        arrays = ", ".join(f"%({m.group(1)})s::{m.group(2)}[]" for m in binds if m)
        sql = f"{head} SELECT * FROM unnest({arrays})"  # noqa: S608 - SQLAlchemy's own compiled text
        found = (sql, tuple(m.group(1) for m in binds if m))
    _UNNEST_SQL[table.name] = found
    return found


def _insert_of(table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> _Prepared:
    """``INSERT INTO table`` of ``rows`` (a missing column is NULL), one statement per table for
    the life of the process: compiled once, prepared on each connection. Several rows go in one
    statement, one array per column (``unnest``): PostgreSQL parses, plans and runs it once, where
    ``executemany`` costs one of each per row (the 20 ``audit_event_entities`` rows of a list page
    were a third of its database CPU)."""
    found = _INSERTS.get(table)
    if found is None:
        found = _INSERTS[table] = (sa.insert(table), tuple(c.name for c in table.columns))
    statement, columns = found
    prepared = prepare(statement, [{name: row.get(name) for name in columns} for row in rows])
    if len(prepared.parameters) == 1:
        return prepared
    unnest = _unnest_sql(table, prepare(statement, dict.fromkeys(columns)).sql)
    if unnest is None:
        return prepared
    sql, names = unnest
    arrays = {name: [group[name] for group in prepared.parameters] for name in names}
    return _Prepared(sql, [arrays], None, True)


# --- connections -------------------------------------------------------------------------------


class PostgresConnection(SqlConnection):
    """A pooled psycopg connection for one unit of work (see the module docstring)."""

    dialect = DIALECT

    def __init__(self, connection: psycopg.AsyncConnection[Any], tenant_id: UUID | None) -> None:
        self._connection = connection
        self._tenant = str(UUID(str(tenant_id))) if tenant_id is not None else None
        self._in_transaction = False
        self._deferred: list[_Prepared] = []

    async def execute(self, statement: sa.Executable, parameters: Parameters = None) -> Result:
        prepared = prepare(statement, parameters)
        try:
            async with self._connection.cursor() as cursor:
                if self._in_transaction and not self._deferred:
                    await self._send(cursor, prepared)  # one statement: no pipeline to set up
                else:
                    async with self._connection.pipeline():
                        await self._send_pending()
                        await self._send(cursor, prepared)
                make = prepared.row
                if make is None and cursor.pgresult is not None and cursor.pgresult.status == pq.ExecStatus.TUPLES_OK:
                    description = cursor.description or []  # textual SQL: names from the server
                    make = _row_maker(tuple(column.name for column in description))
                rows = await cursor.fetchall() if make is not None else []
                rowcount = cursor.rowcount
        except psycopg.Error as error:
            raise _translate(error, prepared.sql, prepared.parameters) from error
        return Result([make(values) for values in rows] if make is not None else [], rowcount)

    def defer(self, statement: sa.Executable, parameters: Parameters = None) -> None:
        """Send ``statement`` with the next one, or with ``COMMIT`` (a write whose result nothing
        reads: its errors, a duplicate key say, are raised by that statement or by ``commit``)."""
        self._deferred.append(prepare(statement, parameters))

    @staticmethod
    async def _send(cursor: psycopg.AsyncCursor[Any], prepared: _Prepared) -> None:
        if len(prepared.parameters) > 1:
            await cursor.executemany(prepared.sql, prepared.parameters)
        else:
            await cursor.execute(prepared.sql, prepared.parameters[0], prepare=prepared.cacheable)

    async def _send_pending(self) -> None:
        """In a pipeline: ``BEGIN`` and the tenant binding if no transaction is open, then the
        deferred writes, in order."""
        if not self._in_transaction:
            self._in_transaction = True
            await self._connection.execute(b"BEGIN", prepare=False)
            if self._tenant is not None:
                await self._connection.execute(_BIND_TENANT, (self._tenant,), prepare=True)
        deferred, self._deferred = self._deferred, []
        if deferred:
            async with self._connection.cursor() as cursor:
                for prepared in deferred:
                    await self._send(cursor, prepared)

    async def commit(self, deferred: Deferred = ()) -> None:
        self._deferred.extend(_insert_of(table, rows) for table, rows in deferred if rows)
        if not self._deferred and not self._in_transaction:
            return
        try:
            async with self._connection.pipeline():
                await self._send_pending()
                await self._connection.execute(b"COMMIT", prepare=False)
        except psycopg.Error as error:
            raise _translate(error, "COMMIT", None) from error
        finally:
            self._in_transaction = False
            self._deferred = []

    async def rollback(self) -> None:
        self._deferred = []
        if self._in_transaction:
            self._in_transaction = False
            await self._connection.execute("ROLLBACK", prepare=False)

    async def copy(self, table: sa.Table, columns: Sequence[str], data: bytes) -> None:
        statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        try:
            if not self._in_transaction or self._deferred:
                async with self._connection.pipeline():
                    await self._send_pending()
            async with self._connection.cursor() as cursor, cursor.copy(statement) as copy:
                await copy.write(data)
        except psycopg.Error as error:
            raise _translate(error, statement, None) from error

    async def lock_for_writing(self) -> None:
        return None  # PostgreSQL locks rows and ranges, not the database


def _configure(connection: psycopg.AsyncConnection[Any]) -> None:
    set_json_loads(msgspec.json.decode, connection)
    set_json_dumps(_json_serializer, connection)
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
