"""Patients, their identifiers, practitioners and the event outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from prm.adapters.sql.types import UtcDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Folded sort keys compare byte by byte (collation "C") on PostgreSQL, as SQLite does, so that both
# databases list patients in the same order whatever the server's locale.
SortKey = sa.String(200).with_variant(sa.String(200, collation="C"), "postgresql")

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "patients",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("mrn", sa.String(64), nullable=False),
        sa.Column("identifiers", JSON, nullable=False),
        sa.Column("name", JSON, nullable=False),
        sa.Column("family_key", SortKey, nullable=False),
        sa.Column("given_key", SortKey, nullable=False),
        sa.Column("name_tokens", sa.Text, nullable=False),
        sa.Column("gender", sa.String(16), nullable=False),
        sa.Column("birth_date", sa.Date),
        sa.Column("deceased_date", sa.Date),
        sa.Column("telecom", JSON, nullable=False),
        sa.Column("phone_digits", sa.Text, nullable=False),
        sa.Column("emails", sa.Text, nullable=False),
        sa.Column("addresses", JSON, nullable=False),
        sa.Column("city", sa.String(200)),
        sa.Column("city_key", sa.String(200)),
        sa.Column("preferred_language", sa.String(35)),
        sa.Column("marital_status", sa.String(8)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_patients"),
        sa.UniqueConstraint("tenant_id", "mrn", name="uq_patients_tenant_id_mrn"),
    )
    op.create_index("ix_patients_tenant_id_sort", "patients", ["tenant_id", "family_key", "given_key", "id"])
    op.create_index("ix_patients_tenant_id_birth_date", "patients", ["tenant_id", "birth_date"])
    op.create_index("ix_patients_tenant_id_city_key", "patients", ["tenant_id", "city_key"])

    op.create_table(
        "patient_identifiers",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("patient_id", sa.Uuid, nullable=False),
        sa.Column("system", sa.String(255), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "patient_id", "system", "value", name="pk_patient_identifiers"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "patient_id"],
            ["patients.tenant_id", "patients.id"],
            name="fk_patient_identifiers_tenant_id_patient_id_patients",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_patient_identifiers_tenant_id_value", "patient_identifiers", ["tenant_id", "value"])

    op.create_table(
        "practitioners",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("external_id", sa.String(255)),
        sa.Column("first_name", sa.String(200), nullable=False),
        sa.Column("middle_name", sa.String(200)),
        sa.Column("last_name", sa.String(200), nullable=False),
        sa.Column("prefix", sa.String(50)),
        sa.Column("name_key", sa.String(400).with_variant(sa.String(400, collation="C"), "postgresql"), nullable=False),
        sa.Column("name_tokens", sa.Text, nullable=False),
        sa.Column("gender", sa.String(16), nullable=False),
        sa.Column("qualification", sa.String(200)),
        sa.Column("speciality", sa.String(200)),
        sa.Column("speciality_key", sa.Text),
        sa.Column("sub_speciality", sa.String(200)),
        sa.Column("license_number", sa.String(100)),
        sa.Column("registration_number", sa.String(100)),
        sa.Column("phone_primary", sa.String(32)),
        sa.Column("email_primary", sa.String(320)),
        sa.Column("address", JSON),
        sa.Column("organization", JSON),
        sa.Column("is_active", sa.Boolean, nullable=False),
        sa.Column("meta_data", JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_practitioners"),
        sa.UniqueConstraint("tenant_id", "external_id", name="uq_practitioners_tenant_id_external_id"),
        sa.UniqueConstraint("tenant_id", "license_number", name="uq_practitioners_tenant_id_license_number"),
    )
    op.create_index("ix_practitioners_tenant_id_sort", "practitioners", ["tenant_id", "name_key", "id"])
    op.create_index("ix_practitioners_tenant_id_speciality_key", "practitioners", ["tenant_id", "speciality_key"])

    op.create_table(
        "outbox",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("aggregate_id", sa.Uuid, nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("occurred_at", UtcDateTime, nullable=False),
        sa.Column("published_at", UtcDateTime),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_outbox"),
    )
    op.create_index("ix_outbox_unpublished", "outbox", ["published_at", "id"])

    if op.get_bind().dialect.name == "postgresql":
        # Trigram indexes make the substring and prefix matches of patient search index scans.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table, column in (
            ("patients", "name_tokens"),
            ("patients", "phone_digits"),
            ("patients", "emails"),
            ("practitioners", "name_tokens"),
        ):
            op.execute(f"CREATE INDEX ix_{table}_{column}_trgm ON {table} USING gin ({column} gin_trgm_ops)")


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("practitioners")
    op.drop_table("patient_identifiers")
    op.drop_table("patients")
