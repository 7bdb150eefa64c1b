"""Tables of the communications context's providers part (migration 0010).

``communication_provider_configs``: at most one provider per tenant and channel (the local sink
when there is none): its kind, non-secret ``settings`` and ``secrets`` (auth tokens, access
tokens, app secrets, SMTP passwords) as given. PRM must present them to the provider, so they
cannot be digests; like webhook signing secrets they are protected as the rows are (tenant
scoping, row-level security, database access), never logged and never answered.
"""

import sqlalchemy as sa

from prm.adapters.sql.metadata import metadata
from prm.adapters.sql.types import JsonDocument, UtcDateTime

communication_provider_configs = sa.Table(
    "communication_provider_configs",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("channel", sa.String(16), primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("settings", JsonDocument, nullable=False),
    sa.Column("secrets", JsonDocument, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)
