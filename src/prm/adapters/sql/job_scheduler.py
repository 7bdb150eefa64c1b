"""The job scheduler on the unit of work's connection: a job is a row written at commit.

- PostgreSQL: the row goes straight into procrastinate's ``procrastinate_jobs`` (its documented
  columns; procrastinate's insert trigger wakes the workers through ``LISTEN/NOTIFY``), so the job
  is handed to the engine by our own commit: nothing to relay, nothing lost in between. ``key``
  is procrastinate's ``queueing_lock`` (unique among waiting jobs: ``ON CONFLICT DO NOTHING``),
  prefixed with the tenant: a key de-duplicates the tenant's own jobs, never another tenant's.
- SQLite: the row goes into ``jobs``, which the embedded runner of ``prm serve`` claims.

Either way the insert is deferred to the unit's commit (``SqlConnection.defer``): a unit that rolls
back schedules nothing.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB

from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.jobs_tables import jobs
from prm.adapters.sql.types import UtcDateTime
from prm.application.shared.context import RequestContext
from prm.application.shared.jobs import JobScheduler
from prm.application.shared.ports import Clock
from prm.domain.shared.ids import new_id

QUEUE = "prm"
"""The procrastinate queue PRM's jobs go to (``prm worker`` listens to it)."""

procrastinate_jobs = sa.Table(
    "procrastinate_jobs",
    sa.MetaData(),  # procrastinate's own table: not part of PRM's schema (migration 0006 creates it)
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("queue_name", sa.String(128), nullable=False),
    sa.Column("task_name", sa.String(128), nullable=False),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("lock", sa.Text),
    sa.Column("queueing_lock", sa.Text),
    sa.Column("args", JSONB, nullable=False),
    sa.Column("scheduled_at", UtcDateTime),
    sa.Column("attempts", sa.Integer),
)


def job_arguments(tenant_id: Any, args: Mapping[str, Any]) -> dict[str, Any]:
    """What a procrastinate job carries: the tenant (a string, or ``None``) and the task's own
    arguments, under names of their own so they cannot collide."""
    return {"tenant_id": str(tenant_id) if tenant_id is not None else None, "args": dict(args)}


_PROCRASTINATE_INSERT = postgresql.insert(procrastinate_jobs).on_conflict_do_nothing(
    index_elements=["queueing_lock"], index_where=sa.text("status = 'todo'")
)
_EMBEDDED_INSERT = sqlite.insert(jobs).on_conflict_do_nothing(
    index_elements=["dedupe_key"], index_where=sa.text("status = 'todo'")
)
"""A job's row, with its queueing lock (de-duplication key) respected: built once, so each
``schedule`` binds its values to a statement compiled and prepared once."""


class SqlJobScheduler(JobScheduler):
    """Schedules jobs for the caller's tenant in the caller's transaction (REQUEST scope)."""

    def __init__(self, connection: SqlConnection, context: RequestContext, clock: Clock) -> None:
        self._connection = connection
        self._context = context
        self._clock = clock

    def schedule(
        self,
        task: str,
        args: Mapping[str, Any],
        *,
        at: datetime | None = None,
        after: timedelta | None = None,
        key: str | None = None,
    ) -> None:
        now = self._clock.now()
        run_at = at if at is not None else (now + after if after is not None else None)
        if key is not None:
            key = f"{self._context.tenant_id}:{key}"
        if self._connection.dialect.name == "postgresql":
            row: dict[str, Any] = {
                "queue_name": QUEUE,
                "task_name": task,
                "priority": 0,
                "queueing_lock": key,
                "args": job_arguments(self._context.tenant_id, args),
                "scheduled_at": run_at,
            }
            self._connection.defer(_PROCRASTINATE_INSERT, row)
            return
        row = {
            "id": new_id(),
            "tenant_id": self._context.tenant_id,
            "task": task,
            "args": dict(args),
            "dedupe_key": key,
            "status": "todo",
            "run_at": run_at or now,
            "attempts": 0,
            "created_at": now,
        }
        self._connection.defer(_EMBEDDED_INSERT, row)
