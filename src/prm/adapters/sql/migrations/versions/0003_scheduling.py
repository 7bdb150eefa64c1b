"""Scheduling: locations, schedules, exceptions, appointments (no double booking), holds, waitlist.

On PostgreSQL, ``btree_gist`` and the exclusion constraint ``ex_appointments_no_overlap``: no two
active (pending, booked, arrived, checked-in) appointments of a practitioner overlap. Every table
gets tenant row-level security.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from prm.adapters.sql.migrations.rls import disable_tenant_rls, enable_tenant_rls
from prm.adapters.sql.types import UtcDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
TABLES = ("locations", "schedules", "schedule_exceptions", "appointments", "slot_holds", "waitlist_entries")


def _key(table: str) -> list[Any]:
    return [
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=f"pk_{table}"),
    ]


def upgrade() -> None:
    op.create_table(
        "locations",
        *_key("locations"),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("address", JSON),
        sa.Column("phone", sa.String(32)),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "schedules",
        *_key("schedules"),
        sa.Column("practitioner_id", sa.Uuid, nullable=False),
        sa.Column("location_id", sa.Uuid, nullable=False),
        sa.Column("rules", JSON, nullable=False),
        sa.Column("slot_minutes", sa.Integer, nullable=False),
        sa.Column("buffer_minutes", sa.Integer, nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "location_id"],
            ["locations.tenant_id", "locations.id"],
            name="fk_schedules_tenant_id_location_id_locations",
        ),
    )
    op.create_index("ix_schedules_tenant_id_practitioner_id", "schedules", ["tenant_id", "practitioner_id"])
    op.create_table(
        "schedule_exceptions",
        *_key("schedule_exceptions"),
        sa.Column("schedule_id", sa.Uuid, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("starts_at", UtcDateTime, nullable=False),
        sa.Column("ends_at", UtcDateTime, nullable=False),
        sa.Column("reason", sa.String(500)),
        sa.ForeignKeyConstraint(
            ["tenant_id", "schedule_id"],
            ["schedules.tenant_id", "schedules.id"],
            name="fk_schedule_exceptions_tenant_id_schedule_id_schedules",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_schedule_exceptions_tenant_id_schedule", "schedule_exceptions", ["tenant_id", "schedule_id", "starts_at"]
    )
    op.create_table(
        "appointments",
        *_key("appointments"),
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
        sa.UniqueConstraint("tenant_id", "external_id", name="uq_appointments_tenant_id_external_id"),
    )
    op.create_index(
        "ix_appointments_tenant_id_practitioner", "appointments", ["tenant_id", "practitioner_id", "starts_at"]
    )
    op.create_index("ix_appointments_tenant_id_patient", "appointments", ["tenant_id", "patient_id", "starts_at"])
    op.create_index("ix_appointments_tenant_id_starts_at", "appointments", ["tenant_id", "starts_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE appointments ADD CONSTRAINT ex_appointments_no_overlap EXCLUDE USING gist "
            "(tenant_id WITH =, practitioner_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
            "WHERE (status IN ('pending', 'booked', 'arrived', 'checked-in'))"
        )
    op.create_table(
        "slot_holds",
        *_key("slot_holds"),
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
    )
    op.create_index("ix_slot_holds_tenant_id_practitioner", "slot_holds", ["tenant_id", "practitioner_id", "starts_at"])
    op.create_index("ix_slot_holds_tenant_id_conversation_id", "slot_holds", ["tenant_id", "conversation_id"])
    op.create_index("ix_slot_holds_tenant_id_patient", "slot_holds", ["tenant_id", "patient_id", "status"])
    op.create_index("ix_slot_holds_tenant_id_status_expires_at", "slot_holds", ["tenant_id", "status", "expires_at"])
    op.create_table(
        "waitlist_entries",
        *_key("waitlist_entries"),
        sa.Column("patient_id", sa.Uuid, nullable=False),
        sa.Column("practitioner_id", sa.Uuid),
        sa.Column("speciality", sa.String(200)),
        sa.Column("location_id", sa.Uuid),
        sa.Column("preferred_dates", JSON, nullable=False),
        sa.Column("preferred_times", JSON, nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("notes", sa.String(1000)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index(
        "ix_waitlist_entries_tenant_id_status",
        "waitlist_entries",
        ["tenant_id", "status", "priority", "created_at"],
    )
    op.create_index("ix_waitlist_entries_tenant_id_patient_id", "waitlist_entries", ["tenant_id", "patient_id"])
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
