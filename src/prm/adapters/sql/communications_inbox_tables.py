"""Tables of the communications context's inbox part (migration 0013).

- ``communication_threads``: one conversation per patient and channel
  (``uq_communication_threads_tenant_id_patient_id_channel``), or per unknown sender address and
  channel while unmatched (``unmatched_address`` is set only then:
  ``uq_communication_threads_tenant_id_channel_unmatched_address``; NULLs never collide, on
  PostgreSQL and SQLite alike). The list reads ``ix_communication_threads_tenant_id_last_message_at``.
  Its messages are rows of ``communication_messages`` (the messages part's) with its ``thread_id``.
- ``communication_inbound_receipts``: each provider message id that arrived once (the primary key
  is tenant, provider, provider message id), so a redelivered webhook is not applied twice, with
  what PRM did with it (``handled_as``).
"""

import sqlalchemy as sa

from prm.adapters.sql.metadata import metadata
from prm.adapters.sql.types import JsonDocument, UtcDateTime

communication_threads = sa.Table(
    "communication_threads",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
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
    sa.UniqueConstraint(
        "tenant_id", "patient_id", "channel", name="uq_communication_threads_tenant_id_patient_id_channel"
    ),
    sa.UniqueConstraint(
        "tenant_id", "channel", "unmatched_address", name="uq_communication_threads_tenant_id_channel_unmatched_address"
    ),
    sa.Index("ix_communication_threads_tenant_id_last_message_at", "tenant_id", "last_message_at"),
    sa.Index(
        "ix_communication_threads_tenant_id_assigned_to_last_message_at", "tenant_id", "assigned_to", "last_message_at"
    ),
)

communication_inbound_receipts = sa.Table(
    "communication_inbound_receipts",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("provider", sa.String(32), primary_key=True),
    sa.Column("provider_message_id", sa.String(255), primary_key=True),
    sa.Column("message_id", sa.Uuid, nullable=False),
    sa.Column("handled_as", sa.String(32)),
    sa.Column("received_at", UtcDateTime, nullable=False),
)
