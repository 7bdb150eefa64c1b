"""Journeys: templates with versioned stages, and patients' instances of them (issue 12).

- ``journeys``: the templates at their current version (stages as JSON, ``trigger_code`` for
  enrolment look-ups);
- ``journey_versions``: each version's stages, which instances keep;
- ``journey_instances``: a patient on a journey version, unique per journey and enrolment key;
- ``journey_stage_instances``: each stage's status for an instance.

Tenant-owned, under row-level security.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from prm.adapters.sql.migrations.rls import disable_tenant_rls, enable_tenant_rls
from prm.adapters.sql.types import JsonDocument, UtcDateTime

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("journeys", "journey_versions", "journey_instances", "journey_stage_instances")
INDEXES = (
    ("ix_journeys_tenant_id_name", "journeys", ["tenant_id", "name", "id"]),
    ("ix_journeys_tenant_id_trigger_code", "journeys", ["tenant_id", "trigger_code"]),
    ("ix_journey_instances_tenant_id_patient_id_status", "journey_instances", ["tenant_id", "patient_id", "status"]),
    ("ix_journey_instances_tenant_id_status", "journey_instances", ["tenant_id", "status"]),
    ("ix_journey_instances_tenant_id_journey_id_status", "journey_instances", ["tenant_id", "journey_id", "status"]),
    ("ix_journey_instances_tenant_id_started_at", "journey_instances", ["tenant_id", "started_at", "id"]),
    ("ix_journey_instances_tenant_id_encounter_id", "journey_instances", ["tenant_id", "encounter_id"]),
)


def upgrade() -> None:
    op.create_table(
        "journeys",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.String(2000)),
        sa.Column("journey_type", sa.String(64), nullable=False),
        sa.Column("is_default", sa.Boolean, nullable=False),
        sa.Column("is_active", sa.Boolean, nullable=False),
        sa.Column("trigger_conditions", JsonDocument, nullable=False),
        sa.Column("trigger_code", sa.String(64)),
        sa.Column("organization_id", sa.Uuid),
        sa.Column("stages", JsonDocument, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_journeys"),
    )
    op.create_table(
        "journey_versions",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("journey_id", sa.Uuid, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("stages", JsonDocument, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "journey_id", "version", name="pk_journey_versions"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "journey_id"],
            ["journeys.tenant_id", "journeys.id"],
            name="fk_journey_versions_tenant_id_journey_id_journeys",
        ),
    )
    op.create_table(
        "journey_instances",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("journey_id", sa.Uuid, nullable=False),
        sa.Column("journey_version", sa.Integer, nullable=False),
        sa.Column("patient_id", sa.Uuid, nullable=False),
        sa.Column("appointment_id", sa.Uuid),
        sa.Column("encounter_id", sa.String(64)),
        sa.Column("organization_id", sa.Uuid),
        sa.Column("context", JsonDocument, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("enrolment_key", sa.String(128)),
        sa.Column("started_at", UtcDateTime, nullable=False),
        sa.Column("completed_at", UtcDateTime),
        sa.Column("cancelled_at", UtcDateTime),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_journey_instances"),
        sa.UniqueConstraint(
            "tenant_id", "journey_id", "enrolment_key", name="uq_journey_instances_tenant_id_journey_id_enrolment_key"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "journey_id", "journey_version"],
            ["journey_versions.tenant_id", "journey_versions.journey_id", "journey_versions.version"],
            name="fk_journey_instances_journey_versions",
        ),
    )
    op.create_table(
        "journey_stage_instances",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("instance_id", sa.Uuid, nullable=False),
        sa.Column("stage_id", sa.Uuid, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("order_index", sa.Integer, nullable=False),
        sa.Column("trigger_event", sa.String(64), nullable=False),
        sa.Column("is_optional", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", UtcDateTime),
        sa.Column("completed_at", UtcDateTime),
        sa.Column("completed_by", sa.String(200)),
        sa.Column("notes", sa.String(2000)),
        sa.Column("survey_sent", sa.Boolean, nullable=False),
        sa.Column("last_error", sa.String(500)),
        sa.PrimaryKeyConstraint("tenant_id", "instance_id", "stage_id", name="pk_journey_stage_instances"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "instance_id"],
            ["journey_instances.tenant_id", "journey_instances.id"],
            name="fk_journey_stage_instances_journey_instances",
        ),
    )
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    for table in reversed(TABLES):
        op.drop_table(table)
