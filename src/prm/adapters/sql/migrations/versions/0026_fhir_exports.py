"""FHIR bulk export jobs (issue 14).

- ``fhir_exports``: each ``$export`` kick-off (types, ``_since``, request URL), its status,
  progress counts and, once complete, its files (JSON). Tenant-owned, under row-level security.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from prm.adapters.sql.migrations.rls import disable_tenant_rls, enable_tenant_rls
from prm.adapters.sql.types import UtcDateTime

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "fhir_exports",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("requested_by", sa.String(255)),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("resource_types", JSON, nullable=False),
        sa.Column("since", UtcDateTime),
        sa.Column("request_url", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("transaction_time", UtcDateTime, nullable=False),
        sa.Column("written", sa.Integer, nullable=False),
        sa.Column("total", sa.Integer),
        sa.Column("files", JSON, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("finished_at", UtcDateTime),
        sa.Column("expires_at", UtcDateTime),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_fhir_exports"),
    )
    enable_tenant_rls("fhir_exports")


def downgrade() -> None:
    disable_tenant_rls("fhir_exports")
    op.drop_table("fhir_exports")
