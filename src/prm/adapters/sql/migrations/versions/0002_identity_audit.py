"""Audit trail (identity: tenants, users, roles, API keys and tokens come with issue 3).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from prm.adapters.sql.types import UtcDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("occurred_at", UtcDateTime, nullable=False),
        sa.Column("actor_type", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.String(64)),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("entity_type", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.String(64)),
        sa.Column("changed_fields", JSON, nullable=False),
        sa.Column("request_id", sa.String(128)),
        sa.Column("client_ip", sa.String(64)),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_audit_events"),
    )
    op.create_index("ix_audit_events_tenant_id_occurred_at", "audit_events", ["tenant_id", "occurred_at"])
    op.create_index("ix_audit_events_tenant_id_entity", "audit_events", ["tenant_id", "entity_type", "entity_id"])


def downgrade() -> None:
    op.drop_table("audit_events")
