"""PostgreSQL's job engine: procrastinate (``SELECT … FOR UPDATE SKIP LOCKED``, retries, LISTEN/NOTIFY).

Any number of ``prm worker`` processes, on one machine or many, fetch from the ``prm`` queue; a
job is fetched by exactly one of them. Every task of ``prm.ioc.jobs.JOB_HANDLERS`` is registered
here under its own name with one function that hands the job to PRM's runner (a unit of work
bound to the job's tenant). Jobs are written by :mod:`prm.adapters.sql.job_scheduler` in the
scheduling use case's own transaction.

Retries: a job that raises is tried again after :func:`prm.adapters.jobs.retry.backoff`, up to
:data:`MAX_JOB_ATTEMPTS` attempts; ``PermanentJobFailure`` fails it at once. A worker stopped with
SIGTERM finishes the jobs in hand (up to ``shutdown_graceful_timeout``); a worker killed outright
leaves its jobs ``doing``, and procrastinate gives them back once its heartbeat is stale.
"""

from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import procrastinate
from procrastinate.jobs import Job
from procrastinate.retry import BaseRetryStrategy, RetryDecision
from sqlalchemy.engine import make_url

from prm.adapters.jobs.retry import MAX_JOB_ATTEMPTS, backoff
from prm.adapters.sql.job_scheduler import QUEUE
from prm.application.shared.jobs import PermanentJobFailure

JobRunner = Callable[[str, UUID | None, dict[str, Any]], Awaitable[None]]
"""``run(task, tenant_id, args)``: PRM's side of a job (see ``prm.entrypoints.worker.dispatch``)."""


class BackoffRetry(BaseRetryStrategy):
    """Retry with jittered exponential backoff, except after a ``PermanentJobFailure``."""

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if isinstance(exception, PermanentJobFailure) or job.attempts + 1 >= MAX_JOB_ATTEMPTS:
            return None
        return RetryDecision(retry_at=datetime.now(UTC) + backoff(job.attempts + 1))


def conninfo(database_url: str) -> str:
    """The libpq connection string of a ``postgresql+psycopg://`` URL."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def procrastinate_app(
    database_url: str, tasks: Iterable[str], run: JobRunner, *, pool_size: int = 4
) -> procrastinate.App:
    """A procrastinate app on ``database_url`` with one task per name in ``tasks``, each calling
    ``run(name, tenant_id, args)``; open it with ``async with app.open_async():``."""
    connector = procrastinate.PsycopgConnector(conninfo=conninfo(database_url), min_size=1, max_size=pool_size)
    app = procrastinate.App(connector=connector, import_paths=[])
    for name in tasks:
        _register(app, name, run)
    return app


def _register(app: procrastinate.App, name: str, run: JobRunner) -> None:
    async def job(tenant_id: str | None = None, args: dict[str, Any] | None = None) -> None:
        await run(name, UUID(tenant_id) if tenant_id else None, args or {})

    job.__name__ = job.__qualname__ = name.replace(".", "_")
    app.task(name=name, queue=QUEUE, retry=BackoffRetry())(job)
