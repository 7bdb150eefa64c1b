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
