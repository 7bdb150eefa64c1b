"""What the background work looks like now: relay lag, failed handlers, jobs by state.

Read across tenants (the relay's view, ``app.relay`` on PostgreSQL). Times are UTC; ``lag_seconds``
is how long the oldest unpublished event has waited (0 when none waits).
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from prm.adapters.sql.connection import SqlDatabase
from prm.adapters.sql.jobs_tables import jobs
from prm.adapters.sql.outbox_tables import event_handler_failures, outbox


@dataclass(frozen=True, slots=True)
class WorkerStatus:
    """``pending_events``: unpublished outbox rows; ``oldest_pending_at`` the oldest one's
    ``occurred_at``; ``failing``/``parked``: handler failures being retried / given up on;
    ``jobs``: job counts by state (``todo``, ``doing``, ``failed``, ...)."""

    pending_events: int
    oldest_pending_at: datetime | None
    lag_seconds: float
    failing: int
    parked: int
    jobs: dict[str, int] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "pending_events": self.pending_events,
            "oldest_pending_at": self.oldest_pending_at.isoformat() if self.oldest_pending_at else None,
            "lag_seconds": round(self.lag_seconds, 3),
            "failing_handlers": self.failing,
            "parked_handlers": self.parked,
            "jobs": self.jobs,
            "failures": self.failures,
        }


async def worker_status(database: SqlDatabase, now: datetime, *, failures: int = 20) -> WorkerStatus:
    """The status (see :class:`WorkerStatus`), with the ``failures`` most recent handler failures
    (event id and type, handler, attempts, parked, error class and message; no payloads)."""
    postgres = database.dialect.name == "postgresql"
    async with database.connect(None) as connection:
        if postgres:
            await connection.execute(sa.text("SELECT set_config('app.relay', 'on', true)"))
        pending = (
            await connection.execute(
                sa.select(sa.func.count(), sa.func.min(outbox.c.occurred_at)).where(outbox.c.published_at.is_(None))
            )
        ).one()
        counts = (
            await connection.execute(
                sa.select(event_handler_failures.c.parked, sa.func.count()).group_by(event_handler_failures.c.parked)
            )
        ).all()
        recent = (
            await connection.execute(
                sa.select(
                    event_handler_failures.c.event_id,
                    event_handler_failures.c.event_type,
                    event_handler_failures.c.handler,
                    event_handler_failures.c.attempts,
                    event_handler_failures.c.parked,
                    event_handler_failures.c.error,
                    event_handler_failures.c.last_failed_at,
                )
                .order_by(event_handler_failures.c.last_failed_at.desc())
                .limit(failures)
            )
        ).all()
        if postgres:
            job_rows = (
                await connection.execute(
                    sa.text("SELECT status::text AS status, count(*) AS n FROM procrastinate_jobs GROUP BY status")
                )
            ).all()
        else:
            job_rows = (
                await connection.execute(sa.select(jobs.c.status, sa.func.count()).group_by(jobs.c.status))
            ).all()
    oldest: datetime | None = pending[1]
    by_parked = {bool(parked): int(n) for parked, n in counts}
    return WorkerStatus(
        pending_events=int(pending[0]),
        oldest_pending_at=oldest,
        lag_seconds=max((now - oldest).total_seconds(), 0.0) if oldest else 0.0,
        failing=by_parked.get(False, 0),
        parked=by_parked.get(True, 0),
        jobs={str(status): int(n) for status, n in job_rows},
        failures=[
            {
                "event_id": str(f.event_id),
                "event_type": f.event_type,
                "handler": f.handler,
                "attempts": f.attempts,
                "parked": f.parked,
                "error": f.error,
                "last_failed_at": f.last_failed_at.isoformat(),
            }
            for f in recent
        ],
    )
