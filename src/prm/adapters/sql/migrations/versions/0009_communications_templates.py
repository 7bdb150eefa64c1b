"""Communications: message templates (issue 11).

- ``communication_templates``: a tenant's templates, one row per name, channel and language
  (unique), with Jinja2 subject and body, declared variables, built-in and active flags and a
  version for optimistic locking. Built-ins are inserted by the application the first time a
  tenant's templates are read or rendered, not here.

Tenant-owned, under row-level security.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from prm.adapters.sql.migrations.rls import disable_tenant_rls, enable_tenant_rls
from prm.adapters.sql.types import UtcDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "communication_templates",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("language", sa.String(35), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(500)),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("variables", JSON, nullable=False),
        sa.Column("is_builtin", sa.Boolean, nullable=False),
        sa.Column("is_active", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_communication_templates"),
        sa.UniqueConstraint(
            "tenant_id",
            "name",
            "channel",
            "language",
            name="uq_communication_templates_tenant_id_name_channel_language",
        ),
    )
    enable_tenant_rls("communication_templates")


def downgrade() -> None:
    disable_tenant_rls("communication_templates")
    op.drop_table("communication_templates")
