"""The practitioners context's table, as a SQLAlchemy Core table.

``tenant_id`` leads the primary key and every unique key; ``name_key`` and ``name_tokens`` are
derived from the names on write, folded for case- and accent-insensitive sorting and matching.
Alembic migrations are the only way the schema changes.
"""

import sqlalchemy as sa

from prm.adapters.sql.metadata import metadata
from prm.adapters.sql.types import JsonDocument, UtcDateTime

practitioners = sa.Table(
    "practitioners",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("external_id", sa.String(255)),
    sa.Column("first_name", sa.String(200), nullable=False),
    sa.Column("middle_name", sa.String(200)),
    sa.Column("last_name", sa.String(200), nullable=False),
    sa.Column("prefix", sa.String(50)),
    # Folded "last first": byte order (collation "C") sorts it by last name, then first name on both
    # databases; a linguistic collation would ignore the space and mix "Smith John" with "Smithe Ann".
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
    sa.Column("address", JsonDocument),
    sa.Column("organization", JsonDocument),
    sa.Column("is_active", sa.Boolean, nullable=False),
    sa.Column("meta_data", JsonDocument, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("tenant_id", "external_id"),
    sa.UniqueConstraint("tenant_id", "license_number"),
    sa.Index("ix_practitioners_tenant_id_sort", "tenant_id", "name_key", "id"),
    sa.Index("ix_practitioners_tenant_id_speciality_key", "tenant_id", "speciality_key"),
)
