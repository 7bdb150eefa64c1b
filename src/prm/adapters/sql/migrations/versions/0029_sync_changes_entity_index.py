"""An index of the sync change feed by record, ``(tenant_id, entity, entity_id, seq)``: the
``sync.compact_feed`` job finds each record's superseded rows through it.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_sync_changes_tenant_id_entity_id", "sync_changes", ["tenant_id", "entity", "entity_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_sync_changes_tenant_id_entity_id", table_name="sync_changes")
