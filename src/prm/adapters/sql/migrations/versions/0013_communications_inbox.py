"""Communications: the two-way inbox (issue 11).

- ``communication_threads``: a conversation per patient and channel, or per unknown sender and
  channel (the unmatched queue), with its unread count, status and assignee;
- ``communication_inbound_receipts``: each provider message id received, once.

Both tables are tenant-owned, under row-level security.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from prm.adapters.sql.migrations.rls import disable_tenant_rls, enable_tenant_rls
from prm.adapters.sql.types import JsonDocument, UtcDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("communication_inbound_receipts", "communication_threads")


def upgrade() -> None:
    op.create_table(
        "communication_threads",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("patient_id", sa.Uuid),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("unmatched_address", sa.String(320)),
        sa.Column("candidate_patient_ids", JsonDocument, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assigned_to", sa.Uuid),
        sa.Column("unread_count", sa.Integer, nullable=False),
        sa.Column("last_message_at", UtcDateTime, nullable=False),
        sa.Column("last_inbound_at", UtcDateTime),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_communication_threads"),
        sa.UniqueConstraint(
            "tenant_id", "patient_id", "channel", name="uq_communication_threads_tenant_id_patient_id_channel"
        ),
        sa.UniqueConstraint(
            "tenant_id",
            "channel",
            "unmatched_address",
            name="uq_communication_threads_tenant_id_channel_unmatched_address",
        ),
    )
    op.create_index(
        "ix_communication_threads_tenant_id_last_message_at", "communication_threads", ["tenant_id", "last_message_at"]
    )
    op.create_index(
        "ix_communication_threads_tenant_id_assigned_to_last_message_at",
        "communication_threads",
        ["tenant_id", "assigned_to", "last_message_at"],
    )
    op.create_table(
        "communication_inbound_receipts",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("provider_message_id", sa.String(255), nullable=False),
        sa.Column("message_id", sa.Uuid, nullable=False),
        sa.Column("handled_as", sa.String(32)),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "provider", "provider_message_id", name="pk_communication_inbound_receipts"
        ),
    )
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in TABLES:
        disable_tenant_rls(table)
        op.drop_table(table)
