"""Tables of the appointments context: locations, schedules and exceptions, appointments, holds
and the waitlist. ``tenant_id`` leads every key.

No double booking: on PostgreSQL the migration adds the exclusion constraint
``ex_appointments_no_overlap`` (``EXCLUDE USING gist (tenant_id WITH =, practitioner_id WITH =,
tstzrange(starts_at, ends_at) WITH &&) WHERE status IN (active statuses)``, needs ``btree_gist``);
it is declared only there because SQLite has no equivalent (see ``adapters/sql/appointments.py``
for how SQLite serialises bookings instead).
"""

import sqlalchemy as sa

from prm.adapters.sql.metadata import metadata
from prm.adapters.sql.types import JsonDocument, UtcDateTime

NO_OVERLAP = "ex_appointments_no_overlap"

locations = sa.Table(
    "locations",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("time_zone", sa.String(64), nullable=False),
    sa.Column("address", JsonDocument),
    sa.Column("phone", sa.String(32)),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

schedules = sa.Table(
    "schedules",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("practitioner_id", sa.Uuid, nullable=False),
    sa.Column("location_id", sa.Uuid, nullable=False),
    sa.Column("rules", JsonDocument, nullable=False),
    sa.Column("slot_minutes", sa.Integer, nullable=False),
    sa.Column("buffer_minutes", sa.Integer, nullable=False),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_until", sa.Date),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.ForeignKeyConstraint(["tenant_id", "location_id"], ["locations.tenant_id", "locations.id"]),
    sa.Index("ix_schedules_tenant_id_practitioner_id", "tenant_id", "practitioner_id"),
)

schedule_exceptions = sa.Table(
    "schedule_exceptions",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("schedule_id", sa.Uuid, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("starts_at", UtcDateTime, nullable=False),
    sa.Column("ends_at", UtcDateTime, nullable=False),
    sa.Column("reason", sa.String(500)),
    sa.ForeignKeyConstraint(["tenant_id", "schedule_id"], ["schedules.tenant_id", "schedules.id"], ondelete="CASCADE"),
    sa.Index("ix_schedule_exceptions_tenant_id_schedule", "tenant_id", "schedule_id", "starts_at"),
)

appointments = sa.Table(
    "appointments",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("patient_id", sa.Uuid, nullable=False),
    sa.Column("practitioner_id", sa.Uuid, nullable=False),
    sa.Column("location_id", sa.Uuid),
    sa.Column("starts_at", UtcDateTime, nullable=False),
    sa.Column("ends_at", UtcDateTime, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("appointment_type", sa.String(100)),
    sa.Column("reason_text", sa.String(1000)),
    sa.Column("source_channel", sa.String(50)),
    sa.Column("cancellation_reason", sa.String(16)),
    sa.Column("cancelled_at", UtcDateTime),
    sa.Column("external_id", sa.String(255)),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("tenant_id", "external_id"),
    sa.Index("ix_appointments_tenant_id_practitioner", "tenant_id", "practitioner_id", "starts_at"),
    sa.Index("ix_appointments_tenant_id_patient", "tenant_id", "patient_id", "starts_at"),
    sa.Index("ix_appointments_tenant_id_starts_at", "tenant_id", "starts_at"),
)

slot_holds = sa.Table(
    "slot_holds",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("patient_id", sa.Uuid, nullable=False),
    sa.Column("practitioner_id", sa.Uuid, nullable=False),
    sa.Column("location_id", sa.Uuid),
    sa.Column("starts_at", UtcDateTime, nullable=False),
    sa.Column("ends_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("conversation_id", sa.Uuid),
    sa.Column("ordinal", sa.Integer),
    sa.Column("waitlist_entry_id", sa.Uuid),
    sa.Column("appointment_id", sa.Uuid),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index("ix_slot_holds_tenant_id_practitioner", "tenant_id", "practitioner_id", "starts_at"),
    sa.Index("ix_slot_holds_tenant_id_conversation_id", "tenant_id", "conversation_id"),
    sa.Index("ix_slot_holds_tenant_id_patient", "tenant_id", "patient_id", "status"),
    sa.Index("ix_slot_holds_tenant_id_status_expires_at", "tenant_id", "status", "expires_at"),
)

waitlist_entries = sa.Table(
    "waitlist_entries",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("patient_id", sa.Uuid, nullable=False),
    sa.Column("practitioner_id", sa.Uuid),
    sa.Column("speciality", sa.String(200)),
    sa.Column("location_id", sa.Uuid),
    sa.Column("preferred_dates", JsonDocument, nullable=False),
    sa.Column("preferred_times", JsonDocument, nullable=False),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("notes", sa.String(1000)),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index("ix_waitlist_entries_tenant_id_status", "tenant_id", "status", "priority", "created_at"),
    sa.Index("ix_waitlist_entries_tenant_id_patient_id", "tenant_id", "patient_id"),
)

TABLES = ("locations", "schedules", "schedule_exceptions", "appointments", "slot_holds", "waitlist_entries")
