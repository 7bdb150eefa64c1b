"""Tables of the communications context's campaigns part (migration 0015).

``communication_campaigns``: a campaign, its audience criteria (JSON), template, pacing and life.
Its messages are rows of ``communication_messages`` with ``campaign_id`` (indexed there).
Tenant-owned, under row-level security.
"""

import sqlalchemy as sa

from prm.adapters.sql.metadata import metadata
from prm.adapters.sql.types import JsonDocument, UtcDateTime

communication_campaigns = sa.Table(
    "communication_campaigns",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
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
    sa.Index("ix_communication_campaigns_tenant_id_created_at", "tenant_id", "created_at"),
)
