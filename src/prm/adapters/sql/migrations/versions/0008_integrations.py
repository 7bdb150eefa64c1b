"""Inbound integration events and integration configurations.

- ``integration_events``: events outside systems send, as received (``payload`` JSON), with their
  processing status; unique per ``(tenant_id, source_system, external_id)`` (a replay is found
  by it), and an index per list filter: received time, status, event code (each then in list
  order, newest first), encounter id and patient identifier (look-ups).
- ``integration_configs``: one per source system and tenant (unique), with write-only secrets.
- ``integration_rate_windows``: events per source system and hour (the rate limit's counters).

All three are tenant-owned, under row-level security.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from prm.adapters.sql.migrations.rls import disable_tenant_rls, enable_tenant_rls
from prm.adapters.sql.types import UtcDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
TABLES = ("integration_events", "integration_configs", "integration_rate_windows")
_EVENT_INDEXES = {
    "ix_integration_events_tenant_id_received_at": ["tenant_id", "received_at", "id"],
    "ix_integration_events_tenant_id_status": ["tenant_id", "status", "received_at", "id"],
    "ix_integration_events_tenant_id_event_code": ["tenant_id", "event_code", "received_at", "id"],
    "ix_integration_events_tenant_id_encounter_id": ["tenant_id", "encounter_id"],
    "ix_integration_events_tenant_id_patient_identifier": ["tenant_id", "patient_identifier"],
}


def upgrade() -> None:
    op.create_table(
        "integration_events",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("source_system", sa.String(64), nullable=False),
        sa.Column("event_code", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("encounter_id", sa.String(255)),
        sa.Column("patient_identifier", sa.String(512), nullable=False),
        sa.Column("occurred_at", UtcDateTime, nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("patient_id", sa.Uuid),
        sa.Column("failure_reason", sa.String(64)),
        sa.Column("failure_message", sa.String(500)),
        sa.Column("processed_at", UtcDateTime),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_integration_events"),
        sa.UniqueConstraint(
            "tenant_id",
            "source_system",
            "external_id",
            name="uq_integration_events_tenant_id_source_system_external_id",
        ),
    )
    for name, columns in _EVENT_INDEXES.items():
        op.create_index(name, "integration_events", columns)
    op.create_table(
        "integration_configs",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("source_system", sa.String(64), nullable=False),
        sa.Column("description", sa.String(2000)),
        sa.Column("api_url", sa.String(2048)),
        sa.Column("is_active", sa.Boolean, nullable=False),
        sa.Column("settings", JSON, nullable=False),
        sa.Column("secrets", JSON, nullable=False),
        sa.Column("rate_limit_per_hour", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_integration_configs"),
        sa.UniqueConstraint("tenant_id", "source_system", name="uq_integration_configs_tenant_id_source_system"),
    )
    op.create_table(
        "integration_rate_windows",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("source_system", sa.String(64), nullable=False),
        sa.Column("window_start", UtcDateTime, nullable=False),
        sa.Column("events", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "source_system", "window_start", name="pk_integration_rate_windows"),
    )
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
    op.drop_table("integration_rate_windows")
    op.drop_table("integration_configs")
    for name in _EVENT_INDEXES:
        op.drop_index(name, table_name="integration_events")
    op.drop_table("integration_events")
