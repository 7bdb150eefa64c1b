"""Patient merges: merge records that keep exactly what changed, for undo (issue 13).

- ``patients.links``: FHIR ``Patient.link`` (``replaced-by`` on a merged record, ``replaces`` on
  its survivor) as JSON; NULL when the patient has none;
- ``patient_merges``: one row per merge, with both records as they were, the fields taken and
  every row each context changed (see ``prm.adapters.sql.patients_merges_tables``);
- indexes on ``patient_id`` of survey invitations and responses and integration events, which a
  merge re-points by patient.

Tenant-owned, under row-level security.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from prm.adapters.sql.migrations.rls import disable_tenant_rls, enable_tenant_rls
from prm.adapters.sql.types import JsonDocument, UtcDateTime

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_patient_merges_tenant_id_merged_at", "patient_merges", ["tenant_id", "merged_at", "id"]),
    ("ix_patient_merges_tenant_id_source_patient_id", "patient_merges", ["tenant_id", "source_patient_id"]),
    ("ix_patient_merges_tenant_id_target_patient_id", "patient_merges", ["tenant_id", "target_patient_id"]),
    # A merge re-points these by patient: without an index each would read the whole tenant.
    ("ix_survey_invitations_tenant_id_patient_id", "survey_invitations", ["tenant_id", "patient_id"]),
    ("ix_survey_responses_tenant_id_patient_id", "survey_responses", ["tenant_id", "patient_id"]),
    ("ix_integration_events_tenant_id_patient_id", "integration_events", ["tenant_id", "patient_id"]),
)


def upgrade() -> None:
    op.add_column("patients", sa.Column("links", JsonDocument))
    op.create_table(
        "patient_merges",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("source_patient_id", sa.Uuid, nullable=False),
        sa.Column("target_patient_id", sa.Uuid, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(500)),
        sa.Column("fields", JsonDocument, nullable=False),
        sa.Column("merged_at", UtcDateTime, nullable=False),
        sa.Column("merged_by", sa.String(200), nullable=False),
        sa.Column("source_before", JsonDocument, nullable=False),
        sa.Column("target_before", JsonDocument, nullable=False),
        sa.Column("source_version", sa.Integer, nullable=False),
        sa.Column("target_version", sa.Integer, nullable=False),
        sa.Column("changes", JsonDocument, nullable=False),
        sa.Column("counts", JsonDocument, nullable=False),
        sa.Column("undone_at", UtcDateTime),
        sa.Column("undone_by", sa.String(200)),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_patient_merges"),
    )
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    enable_tenant_rls("patient_merges")


def downgrade() -> None:
    disable_tenant_rls("patient_merges")
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_table("patient_merges")
    with op.batch_alter_table("patients") as batch:
        batch.drop_column("links")
