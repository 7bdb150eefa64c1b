"""The tags context's tables (issue 13), as SQLAlchemy Core tables.

``tags`` holds the tenant's tags, unique by ``(tenant_id, name_key)`` (the folded name: one tag
whatever its case or accents). ``tag_links`` attaches a tag to an entity of a kind
(``patients``, ``appointments``, ``tickets``, ``journeys``) by id, once: its primary key is
``(tenant_id, tag_id, entity_kind, entity_id)``, which also lists a tag's entities of a kind, and
``(tenant_id, entity_kind, entity_id)`` finds an entity's tags (one query for many entities).
Alembic migrations are the only way the schema changes.
"""

import sqlalchemy as sa

from prm.adapters.sql.metadata import metadata
from prm.adapters.sql.types import UtcDateTime

# Folded names compare byte by byte (collation "C") on PostgreSQL, as SQLite does.
NameKey = sa.String(255).with_variant(sa.String(255, collation="C"), "postgresql")

tags = sa.Table(
    "tags",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("name_key", NameKey, nullable=False),
    sa.Column("colour", sa.String(7), nullable=False),
    sa.Column("description", sa.String(500)),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("tenant_id", "name_key"),
)

tag_links = sa.Table(
    "tag_links",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("tag_id", sa.Uuid, primary_key=True),
    sa.Column("entity_kind", sa.String(16), primary_key=True),
    sa.Column("entity_id", sa.Uuid, primary_key=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.ForeignKeyConstraint(["tenant_id", "tag_id"], ["tags.tenant_id", "tags.id"]),
    sa.Index("ix_tag_links_tenant_id_entity_kind_entity_id", "tenant_id", "entity_kind", "entity_id"),
)

__all__ = ["metadata", "tag_links", "tags"]
