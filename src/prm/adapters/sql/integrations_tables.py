"""Tables of the integrations context: inbound events, the configurations of the systems that
send them, and the hourly counters of the rate limit. All tenant-owned (row-level security,
see migration 0008).

``integration_events`` is keyed for its uses: ``(tenant_id, source_system, external_id)`` is
unique (a replay is found by it, and it serves the ``source_system`` filter), and the list's
filters each have an index in list order (newest received first) or an exact look-up.
"""

import sqlalchemy as sa

from prm.adapters.sql.metadata import metadata
from prm.adapters.sql.types import JsonDocument, UtcDateTime

integration_events = sa.Table(
    "integration_events",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("source_system", sa.String(64), nullable=False),
    sa.Column("event_code", sa.String(64), nullable=False),
    sa.Column("external_id", sa.String(255), nullable=False),
    sa.Column("encounter_id", sa.String(255)),
    sa.Column("patient_identifier", sa.String(512), nullable=False),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("payload", JsonDocument, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("patient_id", sa.Uuid),
    sa.Column("failure_reason", sa.String(64)),
    sa.Column("failure_message", sa.String(500)),
    sa.Column("processed_at", UtcDateTime),
    sa.Column("version", sa.Integer, nullable=False),
    sa.UniqueConstraint("tenant_id", "source_system", "external_id"),
    sa.Index("ix_integration_events_tenant_id_received_at", "tenant_id", "received_at", "id"),
    sa.Index("ix_integration_events_tenant_id_status", "tenant_id", "status", "received_at", "id"),
    sa.Index("ix_integration_events_tenant_id_event_code", "tenant_id", "event_code", "received_at", "id"),
    sa.Index("ix_integration_events_tenant_id_encounter_id", "tenant_id", "encounter_id"),
    sa.Index("ix_integration_events_tenant_id_patient_identifier", "tenant_id", "patient_identifier"),
    sa.Index("ix_integration_events_tenant_id_patient_id", "tenant_id", "patient_id"),  # merges (0021)
)

integration_configs = sa.Table(
    "integration_configs",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("source_system", sa.String(64), nullable=False),
    sa.Column("description", sa.String(2000)),
    sa.Column("api_url", sa.String(2048)),
    sa.Column("is_active", sa.Boolean, nullable=False),
    sa.Column("settings", JsonDocument, nullable=False),
    sa.Column("secrets", JsonDocument, nullable=False),
    sa.Column("rate_limit_per_hour", sa.Integer, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("tenant_id", "source_system"),
)
"""``secrets`` hold the values PRM needs to call the system (they cannot be hashed); no answer
ever carries them."""

integration_rate_windows = sa.Table(
    "integration_rate_windows",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("source_system", sa.String(64), primary_key=True),
    sa.Column("window_start", UtcDateTime, primary_key=True),
    sa.Column("events", sa.Integer, nullable=False),
)
"""Events received per source system in the fixed hour starting at ``window_start`` (UTC);
upserted in the receiving transaction, the windows before the current one deleted as a new one
begins."""
