"""The audit trail's table: append-only (PostgreSQL refuses UPDATE and DELETE with a trigger)."""

import sqlalchemy as sa

from prm.adapters.sql.tables import metadata
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
    sa.Column("changed_fields", JsonDocument, nullable=False),
    sa.Column("request_id", sa.String(128)),
    sa.Column("client_ip", sa.String(64)),
    sa.Index("ix_audit_events_tenant_id_occurred_at", "tenant_id", "occurred_at"),
    sa.Index("ix_audit_events_tenant_id_entity", "tenant_id", "entity_type", "entity_id"),
)
