"""Set-based building blocks for each context's :class:`PatientReferences` adapter (issue 13).

Each context's adapter (``<context>_patient_references.py``) names its own tables and calls
these: one ``UPDATE … RETURNING`` per table re-points every row of the source patient
(:func:`repoint`), one ``DELETE … RETURNING`` removes the source's duplicates of rows the survivor
already has under a unique key (:func:`delete_returning`), and :func:`restore` undoes a list of
changes with one statement per run of like changes (rows whose columns went from the same
``before`` to the same ``after``), never one per row.

A change's ``key`` is the row's primary key without ``tenant_id`` and without the columns the
change sets, so that ``key`` plus ``after`` finds the row as the merge left it. Undoing an update
is a compare-and-set: only rows that still hold ``after`` (in every column that is not JSON) get
``before`` back; a row changed or removed since is left as it is.

Values are JSON-safe (:func:`to_json`): UUIDs, dates and times as ISO strings, converted back by
column type (:func:`from_json`).
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from itertools import groupby
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from prm.adapters.sql.bulk import is_json_column
from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.types import UtcDateTime
from prm.application.patients.references import JsonValue, PatientReferences, ReferenceChange
from prm.domain.shared.ids import PatientId, TenantId


def to_json(value: Any) -> JsonValue:
    """A column value as JSON: UUIDs, dates and datetimes as ISO strings, the rest as it is."""
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value  # type: ignore[no-any-return]


def from_json(column: sa.Column[Any], value: JsonValue) -> Any:
    """The Python value of ``column`` for a JSON-safe ``value`` (the inverse of :func:`to_json`)."""
    if value is None or is_json_column(column):
        return value
    if isinstance(column.type, sa.Uuid):
        return UUID(str(value))
    if isinstance(column.type, UtcDateTime):
        return datetime.fromisoformat(str(value))
    if isinstance(column.type, sa.Date):
        return date.fromisoformat(str(value))
    return value


def row_json(table: sa.Table, row: Any) -> dict[str, JsonValue]:
    """Every column of ``row`` (of ``table``) but ``tenant_id``, JSON-safe."""
    m = row._mapping
    return {str(c.name): to_json(m[c.name]) for c in table.columns if c.name != "tenant_id"}


def _key_columns(table: sa.Table, changed: Iterable[str]) -> list[sa.Column[Any]]:
    skip = {"tenant_id", *changed}
    return [c for c in table.primary_key.columns if c.name not in skip]


async def repoint(
    connection: SqlConnection,
    table: sa.Table,
    tenant_id: TenantId,
    source: UUID,
    target: UUID,
    *,
    column: str = "patient_id",
    where: Sequence[sa.ColumnElement[bool]] = (),
) -> list[ReferenceChange]:
    """``UPDATE table SET column = target WHERE column = source [AND where]`` for the tenant, one
    change per row it moved (``column`` is a patient id, or another id a merge moves, such as a
    message's thread)."""
    return await move(connection, table, tenant_id, {column: source}, {column: target}, where=where)


async def move(
    connection: SqlConnection,
    table: sa.Table,
    tenant_id: TenantId,
    before: Mapping[str, UUID],
    after: Mapping[str, UUID],
    *,
    where: Sequence[sa.ColumnElement[bool]] = (),
) -> list[ReferenceChange]:
    """``UPDATE table SET after WHERE before [AND where]`` for the tenant (``before`` and ``after``
    name the same columns), one change per row: :func:`repoint` for several columns at once."""
    keys = _key_columns(table, before)
    statement = (
        sa.update(table)
        .where(table.c.tenant_id == tenant_id, *(table.c[c] == v for c, v in before.items()), *where)
        .values(dict(after))
        .returning(*keys)
    )
    rows = (await connection.execute(statement)).all()
    was = {c: str(v) for c, v in before.items()}
    now = {c: str(v) for c, v in after.items()}
    return [
        ReferenceChange(
            table=str(table.name), key={str(k.name): to_json(row._mapping[k.name]) for k in keys}, before=was, after=now
        )
        for row in rows
    ]


async def update_row(
    connection: SqlConnection,
    table: sa.Table,
    tenant_id: TenantId,
    key: Mapping[str, Any],
    before: Mapping[str, Any],
    after: Mapping[str, Any],
) -> ReferenceChange:
    """Set ``after`` (Python values) on the row of ``key`` whose values were ``before``; the change."""
    await connection.execute(
        sa.update(table)
        .where(table.c.tenant_id == tenant_id, *(table.c[k] == v for k, v in key.items()))
        .values(dict(after))
    )
    return ReferenceChange(
        table=str(table.name),
        key={k: to_json(v) for k, v in key.items()},
        before={k: to_json(v) for k, v in before.items()},
        after={k: to_json(v) for k, v in after.items()},
    )


async def delete_returning(
    connection: SqlConnection, table: sa.Table, tenant_id: TenantId, where: Sequence[sa.ColumnElement[bool]]
) -> list[ReferenceChange]:
    """Delete the tenant's rows of ``table`` matching ``where``; one change per row, whole row before."""
    keys = _key_columns(table, [])
    statement = sa.delete(table).where(table.c.tenant_id == tenant_id, *where).returning(*table.columns)
    rows = (await connection.execute(statement)).all()
    return [
        ReferenceChange(
            table=str(table.name),
            key={str(k.name): to_json(row._mapping[k.name]) for k in keys},
            before=row_json(table, row),
            after=None,
        )
        for row in rows
    ]


async def count(
    connection: SqlConnection,
    table: sa.Table,
    tenant_id: TenantId,
    patient_id: PatientId,
    column: str = "patient_id",
) -> int:
    """The tenant's rows of ``table`` whose ``column`` is ``patient_id``."""
    statement = sa.select(sa.func.count()).where(table.c.tenant_id == tenant_id, table.c[column] == patient_id)
    return int((await connection.execute(statement)).scalar_one())


def _kind(change: ReferenceChange) -> str:
    return "insert" if change.before is None else "delete" if change.after is None else "update"


def _run_key(change: ReferenceChange) -> tuple[Any, ...]:
    kind = _kind(change)
    if kind == "update":
        return (change.table, kind, tuple(sorted(change.before.items())), tuple(sorted(change.after.items())))  # type: ignore[union-attr]
    return (change.table, kind)


def runs(changes: Iterable[ReferenceChange]) -> Iterable[list[ReferenceChange]]:
    """Consecutive changes of the same table, kind and (for updates) ``before`` and ``after``."""
    for _, group in groupby(changes, key=_run_key):
        yield list(group)


def _matching(table: sa.Table, keys: Sequence[Mapping[str, JsonValue]]) -> sa.ColumnElement[bool]:
    names = list(keys[0])
    if len(names) == 1:
        column = table.c[names[0]]
        return column.in_([from_json(column, k[names[0]]) for k in keys])
    return sa.or_(*(sa.and_(*(table.c[n] == from_json(table.c[n], k[n]) for n in names)) for k in keys))


def _holds(table: sa.Table, values: Mapping[str, JsonValue]) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    for name, value in values.items():
        column = table.c[name]
        if is_json_column(column):
            continue
        conditions.append(column.is_(None) if value is None else column == from_json(column, value))
    return conditions


async def restore(
    connection: SqlConnection,
    tables: Mapping[str, sa.Table],
    tenant_id: TenantId,
    changes: Sequence[ReferenceChange],
    batch: int = 500,
) -> None:
    """Undo ``changes`` newest first (see the module docstring), a statement per run of like
    changes and per ``batch`` rows. ``tables``: the context's tables by name."""
    for run in runs(reversed(changes)):
        first = run[0]
        table = tables[first.table]
        for start in range(0, len(run), batch):
            part = run[start : start + batch]
            kind = _kind(first)
            if kind == "delete":
                rows = [
                    {"tenant_id": tenant_id, **{n: from_json(table.c[n], v) for n, v in (c.before or {}).items()}}
                    for c in part
                ]
                await connection.execute(sa.insert(table), rows)
                continue
            keys = [c.key for c in part]
            where = [table.c.tenant_id == tenant_id, _matching(table, keys)]
            if kind == "insert":
                await connection.execute(sa.delete(table).where(*where))
                continue
            before, after = first.before or {}, first.after or {}
            await connection.execute(
                sa.update(table)
                .where(*where, *_holds(table, after))
                .values({n: from_json(table.c[n], v) for n, v in before.items()})
            )


class TablePatientReferences(PatientReferences):
    """A context whose references are plain ``patient_id`` columns, none under a unique key that
    holds the patient id: each of ``tables`` is re-pointed with :func:`repoint` and restored with
    :func:`restore`. A context declares its ``context`` name and ``tables``; one whose rows can
    collide on the survivor (threads, tag links) writes its own adapter instead."""

    context: str
    tables: tuple[sa.Table, ...]

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id
        self._by_name = {table.name: table for table in self.tables}

    async def repoint(self, source: PatientId, target: PatientId) -> Sequence[ReferenceChange]:
        changes: list[ReferenceChange] = []
        for table in self.tables:
            changes += await repoint(self._connection, table, self._tenant_id, source, target)
        return changes

    async def restore(self, changes: Sequence[ReferenceChange]) -> None:
        await restore(self._connection, self._by_name, self._tenant_id, changes)

    async def count(self, patient_id: PatientId) -> int:
        return sum([await count(self._connection, t, self._tenant_id, patient_id) for t in self.tables])
