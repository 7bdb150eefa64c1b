"""HL7 v2 messages received over HTTP and MLLP (issue 14).

- ``hl7_messages``: each message as received (``raw``, PHI), its MSH header fields, status and
  ACK code, errors and changes (JSON); unique per ``(tenant_id, sending_facility, dedup_key)``
  (the control id of an accepted message; NULL for a rejected one), an index per list filter
  (received time, status, message type, each in list order) and one on the control id.

Tenant-owned, under row-level security.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from prm.adapters.sql.migrations.rls import disable_tenant_rls, enable_tenant_rls
from prm.adapters.sql.types import UtcDateTime

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
_INDEXES = {
    "ix_hl7_messages_tenant_id_received_at": ["tenant_id", "received_at", "id"],
    "ix_hl7_messages_tenant_id_status": ["tenant_id", "status", "received_at", "id"],
    "ix_hl7_messages_tenant_id_message_type": ["tenant_id", "message_type", "received_at", "id"],
    "ix_hl7_messages_tenant_id_control_id": ["tenant_id", "control_id", "received_at"],
}


def upgrade() -> None:
    op.create_table(
        "hl7_messages",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("control_id", sa.String(199), nullable=False),
        sa.Column("dedup_key", sa.String(199)),
        sa.Column("message_type", sa.String(64), nullable=False),
        sa.Column("hl7_version", sa.String(16), nullable=False),
        sa.Column("sending_application", sa.String(255), nullable=False),
        sa.Column("sending_facility", sa.String(255), nullable=False),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("ack_code", sa.String(2), nullable=False),
        sa.Column("errors", JSON, nullable=False),
        sa.Column("changes", JSON, nullable=False),
        sa.Column("sender_message_id", sa.String(255)),
        sa.Column("correlation_id", sa.String(255)),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.Column("processed_at", UtcDateTime),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_hl7_messages"),
        sa.UniqueConstraint(
            "tenant_id", "sending_facility", "dedup_key", name="uq_hl7_messages_tenant_id_sending_facility_dedup_key"
        ),
    )
    for name, columns in _INDEXES.items():
        op.create_index(name, "hl7_messages", columns)
    enable_tenant_rls("hl7_messages")


def downgrade() -> None:
    disable_tenant_rls("hl7_messages")
    for name in _INDEXES:
        op.drop_index(name, table_name="hl7_messages")
    op.drop_table("hl7_messages")
