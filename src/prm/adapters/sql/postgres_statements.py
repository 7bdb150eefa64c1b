"""SQLAlchemy statements made ready for psycopg, and the rows they give back (see ``postgres``).

``prepare`` compiles a statement once per statement object and set of parameter names, through
SQLAlchemy's compiled cache, to psycopg's ``%(name)s`` style with SQLAlchemy's bind processors
(JSON, timestamps), and says how to turn its rows into tuples that also answer by column name
(:class:`Result`). ``insert_of`` builds the INSERT of rows a unit of work deferred to its commit.
"""

import re
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
import psycopg
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import psycopg as psycopg_dialect
from sqlalchemy.engine import Dialect
from sqlalchemy.util import LRUCache

from prm.adapters.sql.connection import Parameters

_encoder = msgspec.json.Encoder()


def json_serializer(value: Any) -> str:
    """``value`` as JSON text (msgspec), for JSON and JSONB columns."""
    return _encoder.encode(value).decode()


DIALECT: Dialect = psycopg_dialect.dialect(  # type: ignore[no-untyped-call]
    json_serializer=json_serializer, json_deserializer=msgspec.json.decode
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


CUSTOM_PLAN = "prm_custom_plan"
"""Execution option: ``statement.execution_options(prm_custom_plan=True)`` is sent unprepared, so
PostgreSQL plans it with its values every time. For statements whose best plan depends on a value
(a full-text search of a rare or a common word: a bitmap of the index or a walk in id order),
which a prepared statement's generic plan, made without the values, gets wrong for one of them."""


@dataclass(frozen=True, slots=True)
class Prepared:
    """A statement as psycopg runs it: SQL, parameters, and how to make its rows."""

    sql: str
    parameters: list[dict[str, Any]]
    row: Callable[[Sequence[Any]], Any] | None  # None: the statement returns no rows
    cacheable: bool


def row_maker(keys: tuple[str, ...]) -> type[tuple[Any, ...]]:
    """The tuple class of rows with columns ``keys`` (by position and by name), one per set of keys."""
    row_class = _ROW_CLASSES.get(keys)
    if row_class is None:
        row_class = _ROW_CLASSES[keys] = _row_class(keys)
    return row_class


def _result_maker(compiled: Any) -> Callable[[Sequence[Any]], Any] | None:
    columns = getattr(compiled, "_result_columns", None)
    if not columns:
        return None
    keys = tuple(column.keyname for column in columns)
    row_class = row_maker(keys)
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


def prepare(statement: sa.Executable, parameters: Parameters) -> Prepared:
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
    cacheable = not plan.expands and not statement.get_execution_options().get(CUSTOM_PLAN, False)
    return Prepared(sql, bound, plan.row, cacheable)


def translate_error(error: psycopg.Error, sql: str, parameters: Any) -> sa_exc.StatementError:
    """psycopg's ``error`` as the SQLAlchemy ``DBAPIError`` subclass the SQLAlchemy path raises
    (``IntegrityError`` for a constraint, ``orig`` the psycopg error), parameters hidden from it."""
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


def insert_of(table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> Prepared:
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
    return Prepared(sql, [arrays], None, True)
