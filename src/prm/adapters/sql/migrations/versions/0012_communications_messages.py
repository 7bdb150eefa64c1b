"""Communications: messages (issue 11).

- ``communication_messages``: every message in and out, and the send queue (claimed by
  ``status, due_at``); ``dedup_key`` unique per tenant;
- ``communication_attempts``: each attempt at the provider, recorded before the call;
- ``communication_callbacks``: each provider status callback, applied or not.

Full-text search over subject and body: on PostgreSQL a generated ``search_vector`` column
(``to_tsvector('simple', ...)``, no stemming: names and codes match as typed) with a GIN index;
on SQLite an FTS5 external-content table ``communication_messages_fts`` on the message's
``rowid``, kept by triggers. (SQLite's ``VACUUM`` may renumber the rowids of a table without an
``INTEGER PRIMARY KEY``: run ``INSERT INTO communication_messages_fts(communication_messages_fts)
VALUES ('rebuild')`` after one.) Neither is in the table modules; the drift test leaves them out.

All three tables are tenant-owned, under row-level security.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from prm.adapters.sql.migrations.rls import disable_tenant_rls, enable_tenant_rls
from prm.adapters.sql.types import UtcDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("communication_callbacks", "communication_attempts", "communication_messages")
M = "communication_messages"

SQLITE_FTS = (
    f"CREATE VIRTUAL TABLE {M}_fts USING fts5(subject, body, content='{M}', content_rowid='rowid')",
    f"CREATE TRIGGER {M}_fts_insert AFTER INSERT ON {M} BEGIN "
    f"INSERT INTO {M}_fts(rowid, subject, body) VALUES (new.rowid, new.subject, new.body); END",
    f"CREATE TRIGGER {M}_fts_delete AFTER DELETE ON {M} BEGIN "
    f"INSERT INTO {M}_fts({M}_fts, rowid, subject, body) VALUES ('delete', old.rowid, old.subject, old.body); END",
    f"CREATE TRIGGER {M}_fts_update AFTER UPDATE OF subject, body ON {M} BEGIN "
    f"INSERT INTO {M}_fts({M}_fts, rowid, subject, body) VALUES ('delete', old.rowid, old.subject, old.body); "
    f"INSERT INTO {M}_fts(rowid, subject, body) VALUES (new.rowid, new.subject, new.body); END",
)


def upgrade() -> None:
    op.create_table(
        M,
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
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
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_communication_messages"),
        sa.UniqueConstraint("tenant_id", "dedup_key", name="uq_communication_messages_tenant_id_dedup_key"),
    )
    queued = sa.text("status IN ('queued', 'scheduled', 'sending')")
    op.create_index(
        f"ix_{M}_tenant_id_status_due_at",
        M,
        ["tenant_id", "status", "due_at"],
        postgresql_where=queued,
        sqlite_where=queued,
    )
    for name, columns in (
        ("provider_id", ["provider", "provider_message_id"]),
        ("patient_id_id", ["patient_id", "id"]),
        ("created_at", ["created_at"]),
    ):
        op.create_index(f"ix_{M}_tenant_id_{name}", M, ["tenant_id", *columns])
    for columns in (["appointment_id"], ["campaign_id"], ["journey_instance_id"], ["thread_id", "id"]):
        present = sa.text(f"{columns[0]} IS NOT NULL")  # sparse links: rows without one cost no entry
        op.create_index(
            f"ix_{M}_tenant_id_{'_'.join(columns)}",
            M,
            ["tenant_id", *columns],
            postgresql_where=present,
            sqlite_where=present,
        )
    op.create_table(
        "communication_attempts",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("message_id", sa.Uuid, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("started_at", UtcDateTime, nullable=False),
        sa.Column("finished_at", UtcDateTime),
        sa.Column("outcome", sa.String(16)),
        sa.Column("provider", sa.String(32)),
        sa.Column("provider_message_id", sa.String(255)),
        sa.Column("error_code", sa.String(64)),
        sa.Column("error", sa.String(500)),
        sa.PrimaryKeyConstraint("tenant_id", "message_id", "number", name="pk_communication_attempts"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "message_id"],
            [f"{M}.tenant_id", f"{M}.id"],
            name="fk_communication_attempts_message",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "communication_callbacks",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("message_id", sa.Uuid),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("provider_message_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("occurred_at", UtcDateTime, nullable=False),
        sa.Column("error_code", sa.String(64)),
        sa.Column("applied", sa.Boolean, nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_communication_callbacks"),
    )
    op.create_index(
        "ix_communication_callbacks_tenant_id_message_id", "communication_callbacks", ["tenant_id", "message_id"]
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"ALTER TABLE {M} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
            "(to_tsvector('simple', coalesce(subject, '') || ' ' || body)) STORED"
        )
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")  # tenant_id leads the GIN index too
        op.execute(f"CREATE INDEX ix_{M}_tenant_id_search_vector_fts ON {M} USING gin (tenant_id, search_vector)")
    else:
        for statement in SQLITE_FTS:
            op.execute(statement)
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {M}_fts_{trigger}")
        op.execute(f"DROP TABLE IF EXISTS {M}_fts")
    for table in TABLES:
        disable_tenant_rls(table)
        op.drop_table(table)
