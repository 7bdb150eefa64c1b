"""Communications: consent, preferences and settings (issue 11).

- ``communication_consents``: the consent history per patient and channel (append-only);
- ``communication_preferences``: per patient, event type and channel, enabled or not;
- ``communication_settings``: one row per tenant (quiet hours, time zone, explicit consent,
  default language).

All three are tenant-owned, under row-level security.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from prm.adapters.sql.migrations.rls import disable_tenant_rls, enable_tenant_rls
from prm.adapters.sql.types import UtcDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("communication_consents", "communication_preferences", "communication_settings")


def upgrade() -> None:
    op.create_table(
        "communication_consents",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("patient_id", sa.Uuid, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("provision", sa.String(16), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_communication_consents"),
    )
    op.create_index(
        "ix_communication_consents_tenant_id_patient_id_channel",
        "communication_consents",
        ["tenant_id", "patient_id", "channel", "recorded_at", "id"],
    )
    op.create_table(
        "communication_preferences",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("patient_id", sa.Uuid, nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "patient_id", "event_type", "channel", name="pk_communication_preferences"
        ),
    )
    op.create_table(
        "communication_settings",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("quiet_hours_start", sa.String(5), nullable=False),
        sa.Column("quiet_hours_end", sa.String(5), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("require_explicit_consent", sa.Boolean, nullable=False),
        sa.Column("default_language", sa.String(35), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_communication_settings"),
    )
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
