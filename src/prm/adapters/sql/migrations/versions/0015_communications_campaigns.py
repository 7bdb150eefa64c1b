"""Communications: campaigns (issue 11).

- ``communication_campaigns``: a campaign's audience criteria, template, pacing and life; its
  messages are ``communication_messages`` rows with ``campaign_id``.

Tenant-owned, under row-level security.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from prm.adapters.sql.migrations.rls import disable_tenant_rls, enable_tenant_rls
from prm.adapters.sql.types import JsonDocument, UtcDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "communication_campaigns"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("template_name", sa.String(100), nullable=False),
        sa.Column("template_vars", JsonDocument, nullable=False),
        sa.Column("audience", JsonDocument, nullable=False),
        sa.Column("start_at", UtcDateTime, nullable=False),
        sa.Column("rate_per_minute", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("recipients", sa.Integer, nullable=False),
        sa.Column("blocked_at_planning", sa.Integer, nullable=False),
        sa.Column("planned_at", UtcDateTime),
        sa.Column("paused_at", UtcDateTime),
        sa.Column("cancelled_at", UtcDateTime),
        sa.Column("completed_at", UtcDateTime),
        sa.Column("created_by", sa.String(100)),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_communication_campaigns"),
    )
    op.create_index("ix_communication_campaigns_tenant_id_created_at", TABLE, ["tenant_id", "created_at"])
    enable_tenant_rls(TABLE)


def downgrade() -> None:
    disable_tenant_rls(TABLE)
    op.drop_table(TABLE)
