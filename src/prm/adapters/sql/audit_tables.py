"""The audit trail's tables: append-only (PostgreSQL refuses UPDATE and DELETE with a trigger).

An event that names one record keeps it in ``entity_id``. An event that names several (the page
of a list or search) keeps them all in its own row, in ``entity_ids``, and is indexed by each of
them in ``audit_event_entities``: one narrow row per record, under row-level security like every
tenant-owned table. That index answers "which events name patient X" with a B-tree look-up on
``(tenant_id, entity_id)``. A GIN index on an array or JSON column cannot: under row-level
security PostgreSQL only lets a *leakproof* operator drive an index scan before the policy's
predicate has run, and the containment operators (``@>`` on ``uuid[]`` or ``jsonb``) are not
leakproof, so the look-up would read every event of the tenant (measured: a sequential scan).
"""

import sqlalchemy as sa

from prm.adapters.sql.metadata import metadata
from prm.adapters.sql.types import JsonDocument, UtcDateTime

audit_events = sa.Table(
    "audit_events",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Column("actor_type", sa.String(16), nullable=False),
    sa.Column("actor_id", sa.String(64)),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("entity_type", sa.String(64), nullable=False),
    sa.Column("entity_id", sa.String(64)),
    sa.Column("entity_ids", JsonDocument),  # the records of an event that names several, else NULL
    sa.Column("changed_fields", JsonDocument, nullable=False),
    sa.Column("request_id", sa.String(128)),
    sa.Column("client_ip", sa.String(64)),
    sa.Index("ix_audit_events_tenant_id_occurred_at", "tenant_id", "occurred_at"),
    sa.Index("ix_audit_events_tenant_id_entity_id", "tenant_id", "entity_id"),
)

audit_event_entities = sa.Table(
    "audit_event_entities",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("entity_id", sa.Uuid, primary_key=True),
    # No foreign key to audit_events: both rows are written by the same INSERTs of one commit,
    # and a key check would lock the event's row (FOR KEY SHARE) once per record named.
    sa.Column("event_id", sa.Uuid, primary_key=True),
)
