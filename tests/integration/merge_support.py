"""Rows of every context that refers to patients, written straight to the tables, and snapshots
of a tenant's tables: for the merge tests and the merge benchmark.

:func:`row` fills a table's row with plain values (each NOT NULL column gets one of its type);
callers override the columns that matter (patient, thread, channel ...).
"""

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa

from prm.adapters.sql.bulk import is_json_column
from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.schema import metadata
from prm.adapters.sql.types import UtcDateTime

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

PATIENT_TABLES = (
    "appointments",
    "slot_holds",
    "waitlist_entries",
    "communication_threads",
    "communication_messages",
    "communication_consents",
    "communication_preferences",
    "communications_virtual_visits",
    "journey_instances",
    "tickets",
    "survey_invitations",
    "survey_responses",
    "integration_events",
    "caregivers",
    "tag_links",
)
"""The tables that hold a ``patient_id`` (``tag_links``: an ``entity_id`` of kind ``patients``)
(and whose adapters a merge calls)."""

NOT_SNAPSHOT = frozenset({"patient_merges", "audit_events", "audit_event_entities", "outbox", "jobs", "sync_changes"})
"""Append-only records of what happened (a merge and its undo add to them; they are not restored)."""


def _value(column: sa.Column[Any], n: int) -> Any:
    if is_json_column(column):
        return []
    if isinstance(column.type, sa.Uuid):
        return uuid4()
    if isinstance(column.type, UtcDateTime):
        return T0 + timedelta(minutes=n)
    if isinstance(column.type, sa.Date):
        return date(2026, 1, 1)
    if isinstance(column.type, sa.Boolean):
        return False
    if isinstance(column.type, sa.Integer):
        return n
    if isinstance(column.type, sa.String):
        length = column.type.length or 16
        return f"v{n}"[:length]
    raise AssertionError(f"no value for {column}")  # pragma: no cover


_counter = iter(range(1, 10**9))


def row(table: str, tenant_id: UUID, **values: Any) -> dict[str, Any]:
    """A row of ``table`` for ``tenant_id``: ``values``, then a value for every other NOT NULL column."""
    n = next(_counter)
    t = metadata.tables[table]
    result: dict[str, Any] = {"tenant_id": tenant_id}
    for column in t.columns:
        if column.name in result:
            continue
        if column.name in values:
            result[column.name] = values[column.name]
        elif not column.nullable or column.primary_key:
            result[column.name] = _value(column, n)
    return result


async def insert(connection: SqlConnection, table: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        await connection.execute(sa.insert(metadata.tables[table]), rows)


async def journey_version(connection: SqlConnection, tenant_id: UUID) -> dict[str, Any]:
    """A journey and its version 1, for journey instances to point at."""
    journey = row("journeys", tenant_id, version=1)
    await insert(connection, "journeys", [journey])
    await insert(
        connection, "journey_versions", [row("journey_versions", tenant_id, journey_id=journey["id"], version=1)]
    )
    return {"journey_id": journey["id"], "journey_version": 1}


TAG_POOL = 3
"""Tags per example tenant: two patients carrying the same one collide under ``tag_links``'s key."""


async def tag_pool(connection: SqlConnection, tenant_id: UUID) -> list[UUID]:
    """:data:`TAG_POOL` tags of the tenant, for patients' ``tag_links`` to point at."""
    tags = [row("tags", tenant_id) for _ in range(TAG_POOL)]
    await insert(connection, "tags", tags)
    return [t["id"] for t in tags]


def tag_links(tenant_id: UUID, patient_id: UUID, tag_ids: Iterable[UUID]) -> list[dict[str, Any]]:
    """Rows attaching each of ``tag_ids`` to the patient."""
    return [row("tag_links", tenant_id, tag_id=t, entity_kind="patients", entity_id=patient_id) for t in tag_ids]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, UUID | date):
        return str(value)
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


async def snapshot(connection: SqlConnection, tenant_id: UUID) -> dict[str, list[dict[str, Any]]]:
    """Every row of the tenant in every tenant-owned table (but merge records, audit, outbox, jobs),
    in primary-key order, as plain values."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in metadata.sorted_tables:
        if "tenant_id" not in table.c or table.name in NOT_SNAPSHOT or table.name.startswith("procrastinate"):
            continue
        rows = await connection.execute(
            sa.select(table).where(table.c.tenant_id == tenant_id).order_by(*table.primary_key.columns)
        )
        tables[table.name] = [{k: _plain(v) for k, v in r._mapping.items()} for r in rows.all()]
    return tables
