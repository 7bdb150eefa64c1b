"""Events and jobs: typed outbox rows, processed events, handler failures, the job engines' tables.

- ``outbox`` gains ``event_version`` (from the context's catalogue) and ``partition`` (the last
  hex digit of the aggregate id: 0-15), filled for existing rows; ``ix_outbox_unpublished``
  becomes the partial ``ix_outbox_pending`` on ``(partition, id)`` of unpublished rows. On
  PostgreSQL a second policy, ``outbox_relay``, lets the relay read and mark every tenant's events
  when its transaction sets ``app.relay`` to ``on`` (the tenant policy still binds everyone else).
- ``processed_events`` (tenant-owned, row-level security) and ``event_handler_failures``.
- ``jobs``: the embedded engine's queue (SQLite; empty on PostgreSQL).
- PostgreSQL only: procrastinate's schema (its tables, types, functions and triggers, from the
  installed procrastinate's ``schema.sql``). Upgrading procrastinate across a schema change
  needs a migration of ours that applies its migration files.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from prm.adapters.sql.migrations.rls import disable_tenant_rls, enable_tenant_rls

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
Time = sa.DateTime(timezone=True)
RELAY_POLICY = "outbox_relay"


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _procrastinate_schema() -> str:
    from procrastinate.schema import SchemaManager

    return SchemaManager.get_schema()


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("event_version", sa.SmallInteger, nullable=False, server_default="1"))
        batch.add_column(sa.Column("partition", sa.SmallInteger, nullable=False, server_default="0"))
        batch.drop_index("ix_outbox_unpublished")
    if _is_postgresql():
        op.execute("ALTER TABLE outbox NO FORCE ROW LEVEL SECURITY")
        op.execute("UPDATE outbox SET partition = get_byte(uuid_send(aggregate_id), 15) % 16")
        op.execute("ALTER TABLE outbox FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY {RELAY_POLICY} ON outbox "
            "USING (current_setting('app.relay', true) = 'on') "
            "WITH CHECK (current_setting('app.relay', true) = 'on')"
        )
    else:
        op.execute("UPDATE outbox SET partition = instr('0123456789abcdef', lower(substr(aggregate_id, -1))) - 1")
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["partition", "id"],
        postgresql_where=sa.text("published_at IS NULL"),
        sqlite_where=sa.text("published_at IS NULL"),
    )

    op.create_table(
        "processed_events",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("handler", sa.String(120), nullable=False),
        sa.Column("event_id", sa.Uuid, nullable=False),
        sa.Column("processed_at", Time, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "handler", "event_id", name="pk_processed_events"),
    )
    enable_tenant_rls("processed_events")
    op.create_table(
        "event_handler_failures",
        sa.Column("event_id", sa.Uuid, nullable=False),
        sa.Column("handler", sa.String(120), nullable=False),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("partition", sa.SmallInteger, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.String(500), nullable=False),
        sa.Column("first_failed_at", Time, nullable=False),
        sa.Column("last_failed_at", Time, nullable=False),
        sa.Column("next_attempt_at", Time),
        sa.Column("parked", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("event_id", "handler", name="pk_event_handler_failures"),
    )
    op.create_index("ix_event_handler_failures_partition", "event_handler_failures", ["partition", "parked"])

    op.create_table(
        "jobs",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("tenant_id", sa.Uuid),
        sa.Column("task", sa.String(120), nullable=False),
        sa.Column("args", JSON, nullable=False),
        sa.Column("dedupe_key", sa.String(200)),
        sa.Column("status", sa.String(16), nullable=False, server_default="todo"),
        sa.Column("run_at", Time, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", Time),
        sa.Column("last_error", sa.String(500)),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("finished_at", Time),
        sa.PrimaryKeyConstraint("id", name="pk_jobs"),
    )
    op.create_index("ix_jobs_status_run_at", "jobs", ["status", "run_at"])
    op.create_index(
        "ux_jobs_waiting_dedupe_key",
        "jobs",
        ["dedupe_key"],
        unique=True,
        postgresql_where=sa.text("status = 'todo'"),
        sqlite_where=sa.text("status = 'todo'"),
    )
    if _is_postgresql():
        # As the driver's own SQL: the schema holds '::' casts and '%' that a text() would parse.
        op.get_bind().exec_driver_sql(_procrastinate_schema().replace("%", "%%"))


def downgrade() -> None:
    if _is_postgresql():
        op.execute(
            """
            DO $$
            DECLARE r record;
            BEGIN
                FOR r IN SELECT tablename FROM pg_tables
                         WHERE tablename LIKE 'procrastinate%' AND schemaname = current_schema() LOOP
                    EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', r.tablename);
                END LOOP;
                FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                         WHERE p.proname LIKE 'procrastinate%' AND n.nspname = current_schema() LOOP
                    EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', r.f);
                END LOOP;
                FOR r IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                         WHERE t.typname LIKE 'procrastinate%' AND t.typtype IN ('e', 'c')
                           AND n.nspname = current_schema() LOOP
                    EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', r.typname);
                END LOOP;
            END $$;
            """
        )
    op.drop_index("ux_jobs_waiting_dedupe_key", table_name="jobs")
    op.drop_index("ix_jobs_status_run_at", table_name="jobs")
    op.drop_table("jobs")
    op.drop_index("ix_event_handler_failures_partition", table_name="event_handler_failures")
    op.drop_table("event_handler_failures")
    disable_tenant_rls("processed_events")
    op.drop_table("processed_events")
    op.drop_index("ix_outbox_pending", table_name="outbox")
    if _is_postgresql():
        op.execute(f"DROP POLICY IF EXISTS {RELAY_POLICY} ON outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("partition")
        batch.drop_column("event_version")
    op.create_index("ix_outbox_unpublished", "outbox", ["published_at", "id"])
