"""Filler rows for the benchmarks that insert straight into the tables (merge, 360)."""

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa


def filler_row(table: sa.Table, tenant: UUID, at: datetime, **values: Any) -> dict[str, Any]:
    """A row of ``table`` for ``tenant``: ``values`` as given, and filler for every other NOT NULL
    column (a new UUID, ``at`` for times, ``False``, ``1``, ``"x"``, an empty JSON document: ``{}``
    for a ``context`` column, ``[]`` otherwise; a message ``body`` reads like a reminder)."""
    from prm.adapters.sql.bulk import is_json_column
    from prm.adapters.sql.types import UtcDateTime

    row: dict[str, Any] = {"tenant_id": tenant}
    for column in table.columns:
        if column.name in row:
            continue
        if column.name in values:
            row[column.name] = values[column.name]
        elif column.nullable and not column.primary_key:
            continue
        elif is_json_column(column):
            row[column.name] = {} if column.name == "context" else []
        elif isinstance(column.type, sa.Uuid):
            row[column.name] = uuid4()
        elif isinstance(column.type, UtcDateTime):
            row[column.name] = at
        elif isinstance(column.type, sa.Boolean):
            row[column.name] = False
        elif isinstance(column.type, sa.Integer):
            row[column.name] = 1
        else:
            row[column.name] = "Your appointment is tomorrow at 9:00." if column.name == "body" else "x"
    return row
