"""Organisations: hospitals and their departments (issue 12).

- ``organizations``: FHIR Organization of type hospital or department, with its ``part_of``
  parent (a self-referencing key within the tenant), a code unique per tenant in any case
  (``code_key``), and the folded keys lists sort and filter on.

Tenant-owned, under row-level security.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from prm.adapters.sql.migrations.rls import disable_tenant_rls, enable_tenant_rls
from prm.adapters.sql.types import JsonDocument, UtcDateTime

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "organizations"

# Folded keys compare byte by byte (collation "C") on PostgreSQL, as SQLite does.
NameKey = sa.String(200).with_variant(sa.String(200, collation="C"), "postgresql")
CodeKey = sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
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
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_organizations"),
        sa.UniqueConstraint("tenant_id", "code_key", name="uq_organizations_tenant_id_code_key"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "part_of"],
            [f"{TABLE}.tenant_id", f"{TABLE}.id"],
            name="fk_organizations_tenant_id_part_of_organizations",
        ),
    )
    op.create_index("ix_organizations_tenant_id_sort", TABLE, ["tenant_id", "name_key", "id"])
    op.create_index("ix_organizations_tenant_id_part_of", TABLE, ["tenant_id", "part_of"])
    enable_tenant_rls(TABLE)


def downgrade() -> None:
    disable_tenant_rls(TABLE)
    op.drop_index("ix_organizations_tenant_id_part_of", table_name=TABLE)
    op.drop_index("ix_organizations_tenant_id_sort", table_name=TABLE)
    op.drop_table(TABLE)
