"""Tables of the communications context's virtual visits part (migration 0014).

``communications_virtual_visits``: one row per virtual appointment (``uq_..._appointment_id``):
the room at the video provider (its name is a secret: it is never answered by the API), the
visit's status and window, and the patient's consent to a video visit (FHIR Consent
``provision.type`` with when and how it was given). Tenant-owned, under row-level security.
"""

import sqlalchemy as sa

from prm.adapters.sql.metadata import metadata
from prm.adapters.sql.types import UtcDateTime

communications_virtual_visits = sa.Table(
    "communications_virtual_visits",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
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
    sa.UniqueConstraint("tenant_id", "appointment_id"),
    sa.Index("ix_communications_virtual_visits_tenant_id_patient_id_id", "tenant_id", "patient_id", "id"),
)
