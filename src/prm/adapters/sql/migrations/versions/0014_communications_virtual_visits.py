"""Communications: virtual visits (issue 11).

- ``communications_virtual_visits``: the video room of a virtual appointment (one per
  appointment), its status and window, and the patient's consent to a video visit.

Tenant-owned, under row-level security.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from prm.adapters.sql.migrations.rls import disable_tenant_rls, enable_tenant_rls
from prm.adapters.sql.types import UtcDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "communications_virtual_visits"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("appointment_id", sa.Uuid, nullable=False),
        sa.Column("patient_id", sa.Uuid, nullable=False),
        sa.Column("practitioner_id", sa.Uuid, nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("room_name", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("starts_at", UtcDateTime, nullable=False),
        sa.Column("ends_at", UtcDateTime, nullable=False),
        sa.Column("consent_status", sa.String(8)),
        sa.Column("consent_recorded_at", UtcDateTime),
        sa.Column("consent_source", sa.String(64)),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("revoked_at", UtcDateTime),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_communications_virtual_visits"),
        sa.UniqueConstraint(
            "tenant_id", "appointment_id", name="uq_communications_virtual_visits_tenant_id_appointment_id"
        ),
    )
    op.create_index(
        "ix_communications_virtual_visits_tenant_id_patient_id_id", TABLE, ["tenant_id", "patient_id", "id"]
    )
    enable_tenant_rls(TABLE)


def downgrade() -> None:
    disable_tenant_rls(TABLE)
    op.drop_table(TABLE)
