"""The organisations context's table, as a SQLAlchemy Core table.

``tenant_id`` leads the primary key, the unique key and the self-referencing foreign key of
``part_of`` (an organisation is part of one of its own tenant's, and cannot be deleted while
another is part of it). ``name_key``, ``code_key`` and ``city_key`` are derived on write, folded
for case- and accent-insensitive sorting, uniqueness and matching. Alembic migrations are the only
way the schema changes.
"""

import sqlalchemy as sa

from prm.adapters.sql.metadata import metadata
from prm.adapters.sql.types import JsonDocument, UtcDateTime

# Folded keys compare byte by byte (collation "C") on PostgreSQL, as SQLite does.
NameKey = sa.String(200).with_variant(sa.String(200, collation="C"), "postgresql")
CodeKey = sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")

PART_OF_KEY = "fk_organizations_tenant_id_part_of_organizations"
"""The name the naming convention gives the ``part_of`` foreign key (see ``constraints.py``)."""

organizations = sa.Table(
    "organizations",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("name_key", NameKey, nullable=False),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("code_key", CodeKey, nullable=False),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("part_of", sa.Uuid),
    sa.Column("address", JsonDocument),
    sa.Column("city_key", sa.String(200)),
    sa.Column("phone", sa.String(32)),
    sa.Column("email", sa.String(320)),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("tenant_id", "code_key"),
    sa.ForeignKeyConstraint(["tenant_id", "part_of"], ["organizations.tenant_id", "organizations.id"]),
    sa.Index("ix_organizations_tenant_id_sort", "tenant_id", "name_key", "id"),
    sa.Index("ix_organizations_tenant_id_part_of", "tenant_id", "part_of"),
)
