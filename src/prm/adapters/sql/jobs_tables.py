"""The embedded job engine's queue (SQLite): jobs as durable rows that ``prm serve`` claims.

On PostgreSQL jobs live in procrastinate's own tables (``procrastinate_jobs`` ..., created by
migration 0006); this table exists there too, empty, so that both databases have one schema.

``status``: ``todo`` (waiting until ``run_at``), ``doing`` (claimed by a runner until
``locked_until``; a runner that died leaves it to be claimed again after that), ``succeeded``,
``failed`` (attempts exhausted or a permanent failure). ``dedupe_key`` is unique among ``todo``
jobs: scheduling a job whose key waits already does nothing.
"""

import sqlalchemy as sa

from prm.adapters.sql.metadata import metadata
from prm.adapters.sql.types import JsonDocument, UtcDateTime

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("tenant_id", sa.Uuid),
    sa.Column("task", sa.String(120), nullable=False),
    sa.Column("args", JsonDocument, nullable=False),
    sa.Column("dedupe_key", sa.String(200)),
    sa.Column("status", sa.String(16), nullable=False, server_default="todo"),
    sa.Column("run_at", UtcDateTime, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", UtcDateTime),
    sa.Column("last_error", sa.String(500)),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime),
    sa.Index("ix_jobs_status_run_at", "status", "run_at"),
    sa.Index(
        "ux_jobs_waiting_dedupe_key",
        "dedupe_key",
        unique=True,
        postgresql_where=sa.text("status = 'todo'"),
        sqlite_where=sa.text("status = 'todo'"),
    ),
)
