"""Bulk inserts: PostgreSQL's ``COPY … FROM STDIN`` for large batches, ``executemany`` otherwise.

``COPY`` streams rows in one statement and is several times faster than one ``INSERT`` per row,
which is what ``executemany`` amounts to; the text format is written here in one piece rather
than row by row through the driver, which halves the client's share of the work. It runs on the
unit of work's own connection and transaction, so a failed batch still leaves nothing behind.
Integrity failures surface as SQLAlchemy's ``IntegrityError`` whichever path ran, so adapters
map them to domain errors once. Tables filled by ``COPY`` are analyzed as they grow
(:mod:`prm.adapters.sql.analyze`), so that a large load keeps its speed without autovacuum.
"""

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec
import sqlalchemy as sa

from prm.adapters.sql.connection import SqlConnection

COPY_THRESHOLD = 50
"""Below this many rows a plain INSERT is as fast and simpler."""

_encode = msgspec.json.Encoder().encode


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: Any) -> str:
    """One field in COPY's text format: ``\\N`` for NULL, backslash escapes for the separators."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return _escape(value)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: PRM stores timezone-aware UTC only")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return value.hex  # PostgreSQL reads 32 hex digits as a uuid; cheaper than str()
    return str(value)  # int


def _copy_uuid(value: Any) -> str:
    return "\\N" if value is None else value.hex if isinstance(value, UUID) else _copy_value(value)


def _copy_text(value: Any) -> str:
    return "\\N" if value is None else _escape(value) if isinstance(value, str) else _copy_value(value)


def _escape(text: str) -> str:
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_ESCAPES)
    return text


def _copy_json(value: Any) -> str:
    return "\\N" if value is None else _escape(_encode(value).decode())


def _formatter(column: sa.Column[Any]) -> Callable[[Any], str]:
    """The COPY formatter of a column, chosen once from its type (the values are then not inspected
    for their kind, except where a column's type allows several)."""
    if is_json_column(column):
        return _copy_json
    if isinstance(column.type, sa.Uuid):
        return _copy_uuid
    if isinstance(column.type, sa.String):
        return _copy_text
    return _copy_value


def _repeats(column: sa.Column[Any]) -> bool:
    """Whether a batch's rows tend to share the column's value: the tenant (every id column, since
    ``tenant_id`` is one of them) and the timestamps (the unit of work's one ``now``)."""
    kind = getattr(column.type, "impl", column.type)  # a TypeDecorator (UtcDateTime): what it stores
    return isinstance(kind, sa.Uuid | sa.DateTime)


def _remembering(format_: Callable[[Any], str]) -> Callable[[Any], str]:
    """``format_`` that keeps its last value and text: a value seen again (the same object) is not
    formatted again. For :func:`_repeats` columns, where that saves a UUID's or a timestamp's
    formatting in most rows for the price of an identity test."""
    last: list[Any] = [None, "\\N"]

    def remembered(value: Any) -> str:
        if value is not last[0]:
            last[0], last[1] = value, format_(value)
        text: str = last[1]
        return text

    return remembered


def is_json_column(column: sa.Column[Any]) -> bool:
    return isinstance(column.type, sa.JSON) or any(
        isinstance(variant, sa.JSON) for variant in getattr(column.type, "_variant_mapping", {}).values()
    )


async def insert_rows(
    connection: SqlConnection,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str] | None = None,
) -> None:
    """Insert ``rows`` (dicts keyed by column name; a missing column is NULL) into ``table``.
    ``columns``: only these are written (the others take their defaults: NULL), for rows known
    to leave the rest empty; ``COPY`` then formats fewer fields.

    Raises ``sqlalchemy.exc.IntegrityError`` on a constraint violation, with the driver's error
    as ``orig`` (its message names the constraint).
    """
    if not rows:
        return
    if connection.dialect.name != "postgresql" or len(rows) < COPY_THRESHOLD:
        await connection.execute(sa.insert(table), list(rows))
        return
    chosen = [c for c in table.columns if columns is None or c.name in columns]
    formatters = [(c.name, _remembering(_formatter(c)) if _repeats(c) else _formatter(c)) for c in chosen]
    lines = ["\t".join([format_(row.get(name)) for name, format_ in formatters]) for row in rows]
    # the connection analyzes the table as it grows: a load must not wait for autovacuum
    await connection.copy(table, [c.name for c in chosen], ("\n".join(lines) + "\n").encode())
