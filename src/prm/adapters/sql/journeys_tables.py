"""The journeys context's tables, as SQLAlchemy Core tables.

- ``journeys``: the templates at their current version, with the current stages (JSON) and
  ``trigger_code`` (the event type or code of the trigger conditions, for enrolment look-ups);
- ``journey_versions``: every version's stages, so an instance reads the stages it started with;
- ``journey_instances``: one patient on one journey version; ``enrolment_key`` (encounter, else
  appointment, else triggering event) is unique per journey: nobody is enrolled twice;
- ``journey_stage_instances``: where each stage stands for an instance.

``tenant_id`` leads every primary key, unique key, foreign key and index. Alembic migrations are
the only way the schema changes (``0019_journeys``).
"""

import sqlalchemy as sa

from prm.adapters.sql.metadata import metadata
from prm.adapters.sql.types import JsonDocument, UtcDateTime

ENROLMENT_KEY = "uq_journey_instances_tenant_id_journey_id_enrolment_key"

journeys = sa.Table(
    "journeys",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
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
    sa.Index("ix_journeys_tenant_id_name", "tenant_id", "name", "id"),
    sa.Index("ix_journeys_tenant_id_trigger_code", "tenant_id", "trigger_code"),
)

journey_versions = sa.Table(
    "journey_versions",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("journey_id", sa.Uuid, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("stages", JsonDocument, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.ForeignKeyConstraint(["tenant_id", "journey_id"], ["journeys.tenant_id", "journeys.id"]),
)

journey_instances = sa.Table(
    "journey_instances",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
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
    sa.UniqueConstraint("tenant_id", "journey_id", "enrolment_key"),
    sa.ForeignKeyConstraint(
        ["tenant_id", "journey_id", "journey_version"],
        ["journey_versions.tenant_id", "journey_versions.journey_id", "journey_versions.version"],
        name="fk_journey_instances_journey_versions",
    ),
    sa.Index("ix_journey_instances_tenant_id_patient_id_status", "tenant_id", "patient_id", "status"),
    sa.Index("ix_journey_instances_tenant_id_status", "tenant_id", "status"),
    sa.Index("ix_journey_instances_tenant_id_journey_id_status", "tenant_id", "journey_id", "status"),
    sa.Index("ix_journey_instances_tenant_id_started_at", "tenant_id", "started_at", "id"),
    sa.Index("ix_journey_instances_tenant_id_encounter_id", "tenant_id", "encounter_id"),
)

journey_stage_instances = sa.Table(
    "journey_stage_instances",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("instance_id", sa.Uuid, primary_key=True),
    sa.Column("stage_id", sa.Uuid, primary_key=True),
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
    sa.ForeignKeyConstraint(
        ["tenant_id", "instance_id"],
        ["journey_instances.tenant_id", "journey_instances.id"],
        name="fk_journey_stage_instances_journey_instances",
    ),
)
