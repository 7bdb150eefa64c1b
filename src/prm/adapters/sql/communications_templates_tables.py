"""Tables of the communications context's templates part (migration 0009).

``communication_templates``: one variant (channel, language) of a named message of a tenant's,
its Jinja2 ``subject`` and ``body`` and the ``variables`` they declare (a JSON list of names).
Tenant-owned, under row-level security; ``tenant_id`` leads the key and the unique index
(name, channel, language), which also serves the look-up of a name's variants when rendering.
"""

import sqlalchemy as sa

from prm.adapters.sql.metadata import metadata
from prm.adapters.sql.types import JsonDocument, UtcDateTime

communication_templates = sa.Table(
    "communication_templates",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("language", sa.String(35), nullable=False),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(500)),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("variables", JsonDocument, nullable=False),
    sa.Column("is_builtin", sa.Boolean, nullable=False),
    sa.Column("is_active", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("tenant_id", "name", "channel", "language"),
)
