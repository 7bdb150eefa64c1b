"""The caregivers context's table (issue 13), as a SQLAlchemy Core table.

One row per caregiver (FHIR RelatedPerson) of a patient; ``tenant_id`` leads the primary key and
the index by patient (a patient's caregivers are read together: the list, the 360 view, and the
copies of the patient's messages). ``name`` and ``telecom`` are JSON documents (FHIR HumanName,
ContactPoint list). Alembic migrations are the only way the schema changes.
"""

import sqlalchemy as sa

from prm.adapters.sql.metadata import metadata
from prm.adapters.sql.types import JsonDocument, UtcDateTime

caregivers = sa.Table(
    "caregivers",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("patient_id", sa.Uuid, nullable=False),
    sa.Column("name", JsonDocument, nullable=False),
    sa.Column("relationship", sa.String(16), nullable=False),
    sa.Column("telecom", JsonDocument, nullable=False),
    sa.Column("preferred_channel", sa.String(16)),
    sa.Column("receives_communications", sa.Boolean, nullable=False),
    sa.Column("period_start", sa.Date),
    sa.Column("period_end", sa.Date),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index("ix_caregivers_tenant_id_patient_id", "tenant_id", "patient_id", "id"),
)

__all__ = ["caregivers", "metadata"]
