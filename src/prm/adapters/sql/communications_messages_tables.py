"""Tables of the communications context's messages part (migration 0012).

- ``communication_messages``: every message in and out (FHIR Communication), the send queue
  itself: the worker claims rows whose ``status`` is ``queued``/``scheduled`` and ``due_at`` has
  come (``ix_communication_messages_tenant_id_status_due_at``), and finds a ``sending`` one whose
  lease ended by the same index. ``dedup_key`` is unique per tenant when set.
- ``communication_attempts``: one row per attempt at the provider, written (``started_at``)
  before the call and completed after it (``outcome``, the provider's id, the error).
- ``communication_callbacks``: every provider status callback, applied or not (a ``failed``
  after ``delivered`` is kept here, the message does not move).

Full-text search is not declared here, because it differs by database and nothing but the search
query reads it: PostgreSQL has a generated ``search_vector`` column (``to_tsvector('simple',
subject || ' ' || body)``) with a GIN index; SQLite an FTS5 external-content table
``communication_messages_fts`` kept by triggers (both made by the migration).
"""

import sqlalchemy as sa

from prm.adapters.sql.metadata import metadata
from prm.adapters.sql.types import UtcDateTime

_QUEUED = sa.text("status IN ('queued', 'scheduled', 'sending')")
"""The statuses of the send queue (its partial index)."""

communication_messages = sa.Table(
    "communication_messages",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("patient_id", sa.Uuid),
    sa.Column("direction", sa.String(16), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("recipient", sa.String(320), nullable=False),
    sa.Column("sender", sa.String(320)),
    sa.Column("subject", sa.String(998)),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("template_name", sa.String(100)),
    sa.Column("template_language", sa.String(35)),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("event_type", sa.String(200)),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("status_reason", sa.String(500)),
    sa.Column("error_code", sa.String(64)),
    sa.Column("scheduled_for", UtcDateTime),
    sa.Column("due_at", UtcDateTime),
    sa.Column("queued_at", UtcDateTime),
    sa.Column("sent_at", UtcDateTime),
    sa.Column("delivered_at", UtcDateTime),
    sa.Column("read_at", UtcDateTime),
    sa.Column("failed_at", UtcDateTime),
    sa.Column("cancelled_at", UtcDateTime),
    sa.Column("received_at", UtcDateTime),
    sa.Column("provider", sa.String(32)),
    sa.Column("provider_message_id", sa.String(255)),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("journey_instance_id", sa.Uuid),
    sa.Column("appointment_id", sa.Uuid),
    sa.Column("campaign_id", sa.Uuid),
    sa.Column("thread_id", sa.Uuid),
    sa.Column("reply_to_id", sa.Uuid),
    sa.Column("dedup_key", sa.String(200)),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("tenant_id", "dedup_key", name="uq_communication_messages_tenant_id_dedup_key"),
    # The queue: only rows still to send (or being sent) are in it, so it stays small and
    # a message leaving it costs no index entry.
    sa.Index(
        "ix_communication_messages_tenant_id_status_due_at",
        "tenant_id",
        "status",
        "due_at",
        postgresql_where=_QUEUED,
        sqlite_where=_QUEUED,
    ),
    sa.Index("ix_communication_messages_tenant_id_provider_id", "tenant_id", "provider", "provider_message_id"),
    sa.Index("ix_communication_messages_tenant_id_patient_id_id", "tenant_id", "patient_id", "id"),
    *(
        sa.Index(
            f"ix_communication_messages_tenant_id_{'_'.join(columns)}",
            "tenant_id",
            *columns,
            postgresql_where=sa.text(f"{columns[0]} IS NOT NULL"),
            sqlite_where=sa.text(f"{columns[0]} IS NOT NULL"),
        )
        for columns in (("appointment_id",), ("campaign_id",), ("journey_instance_id",), ("thread_id", "id"))
    ),
    sa.Index("ix_communication_messages_tenant_id_created_at", "tenant_id", "created_at"),
)

communication_attempts = sa.Table(
    "communication_attempts",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("message_id", sa.Uuid, primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime),
    sa.Column("outcome", sa.String(16)),
    sa.Column("provider", sa.String(32)),
    sa.Column("provider_message_id", sa.String(255)),
    sa.Column("error_code", sa.String(64)),
    sa.Column("error", sa.String(500)),
    sa.ForeignKeyConstraint(
        ["tenant_id", "message_id"],
        ["communication_messages.tenant_id", "communication_messages.id"],
        ondelete="CASCADE",
        name="fk_communication_attempts_message",
    ),
)

communication_callbacks = sa.Table(
    "communication_callbacks",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("message_id", sa.Uuid),
    sa.Column("provider", sa.String(32), nullable=False),
    sa.Column("provider_message_id", sa.String(255), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Column("error_code", sa.String(64)),
    sa.Column("applied", sa.Boolean, nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Index("ix_communication_callbacks_tenant_id_message_id", "tenant_id", "message_id"),
)
