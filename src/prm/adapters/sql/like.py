"""``LIKE`` helpers shared by the SQL adapters."""

import sqlalchemy as sa


def contains(column: sa.ColumnElement[str], fragment: str) -> sa.ColumnElement[bool]:
    """``column LIKE '%fragment%'`` with ``fragment`` taken literally (``%``, ``_`` and ``\\``
    escaped), on SQLite and PostgreSQL."""
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(f"%{escaped}%", escape="\\")


def starts_with(column: sa.ColumnElement[str], prefix: str) -> sa.ColumnElement[bool]:
    """``column LIKE 'prefix%'`` with ``prefix`` taken literally, as :func:`contains`."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(f"{escaped}%", escape="\\")


LAST_CHARACTER = "\U0010ffff"
"""The highest code point, in no folded key: ``prefix <= key < prefix + LAST_CHARACTER`` is "key
starts with prefix" in code point order, which is the byte order of UTF-8 (collation "C",
SQLite's BINARY)."""


def prefix_range(column: sa.ColumnElement[str], prefix: str) -> list[sa.ColumnElement[bool]]:
    """``column >= prefix AND column < prefix || U+10FFFF``: the keys that start with ``prefix``,
    for a column compared byte by byte (collation ``C`` on PostgreSQL, SQLite's default).

    Unlike :func:`starts_with`, an index on ``column`` serves it with bound parameters too: a
    prepared statement's generic plan cannot turn ``LIKE $1`` into an index range, and so scanned
    every key of the tenant."""
    return [column >= prefix, column < prefix + LAST_CHARACTER]
