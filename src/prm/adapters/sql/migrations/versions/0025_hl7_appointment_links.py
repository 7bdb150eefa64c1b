"""HL7 v2 SIU: the link from SCH placer/filler ids to PRM appointments (issue 14).

- ``hl7_appointment_links``: per sending facility (MSH-4), the SCH-1 placer (``kind`` ``placer``)
  or SCH-2 filler (``filler``) appointment id and the PRM appointment it names; keyed by
  ``(tenant_id, sending_facility, kind, external_id)``, indexed by appointment.

Tenant-owned, under row-level security.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from prm.adapters.sql.migrations.rls import disable_tenant_rls, enable_tenant_rls
from prm.adapters.sql.types import UtcDateTime

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEX = "ix_hl7_appointment_links_tenant_id_appointment_id"


def upgrade() -> None:
    op.create_table(
        "hl7_appointment_links",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("sending_facility", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("appointment_id", sa.Uuid, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "sending_facility", "kind", "external_id", name="pk_hl7_appointment_links"
        ),
    )
    op.create_index(_INDEX, "hl7_appointment_links", ["tenant_id", "appointment_id"])
    enable_tenant_rls("hl7_appointment_links")


def downgrade() -> None:
    disable_tenant_rls("hl7_appointment_links")
    op.drop_index(_INDEX, table_name="hl7_appointment_links")
    op.drop_table("hl7_appointment_links")
