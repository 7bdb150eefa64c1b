"""SQLite's job engine: ``prm serve`` runs jobs itself, claimed from durable rows of ``jobs``.

A claim is one ``UPDATE … RETURNING`` inside ``BEGIN IMMEDIATE`` (SQLite's single writer lock):
due ``todo`` jobs, and ``doing`` jobs whose lease lapsed (their runner died), become ``doing``
with a lease of :data:`LEASE`. A restart loses nothing: what was waiting still waits, what was
running is claimed again when its lease lapses. Retries and failures as on PostgreSQL
(:mod:`prm.adapters.jobs.retry`).
"""

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.exc import IntegrityError

from prm.adapters.jobs.procrastinate_engine import JobRunner
from prm.adapters.jobs.retry import MAX_JOB_ATTEMPTS, backoff
from prm.adapters.sql.connection import SqlDatabase
from prm.adapters.sql.jobs_tables import jobs
from prm.application.shared.jobs import PermanentJobFailure

log = structlog.get_logger(__name__)

LEASE = timedelta(minutes=5)
"""How long a claimed job is its runner's before another may claim it again."""


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:500]


class EmbeddedJobEngine:
    """Claims and runs due jobs, ``concurrency`` at a time, until :meth:`stop`."""

    def __init__(
        self,
        database: SqlDatabase,
        run: JobRunner,
        now: Callable[[], datetime],
        *,
        concurrency: int = 4,
        poll_seconds: float = 0.2,
    ) -> None:
        self._database = database
        self._run = run
        self._now = now
        self._concurrency = concurrency
        self._poll = poll_seconds
        self._stopping = asyncio.Event()
        self._running: set[asyncio.Task[None]] = set()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """Claim and run jobs until :meth:`stop`; then wait for the jobs in hand to finish."""
        while not self._stopping.is_set():
            free = self._concurrency - len(self._running)
            claimed = await self.claim(free) if free > 0 else []
            for row in claimed:
                task = asyncio.create_task(self._execute(row))
                self._running.add(task)
                task.add_done_callback(self._running.discard)
            if not claimed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self._poll)
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    async def run_until_idle(self) -> int:
        """Run due jobs until none is due (tests, ``prm worker --once``); returns how many ran."""
        count = 0
        while claimed := await self.claim(self._concurrency):
            await asyncio.gather(*(self._execute(row) for row in claimed))
            count += len(claimed)
        return count

    async def claim(self, limit: int) -> list[Any]:
        now = self._now()
        due = (
            sa.select(jobs.c.id)
            .where(
                sa.or_(
                    sa.and_(jobs.c.status == "todo", jobs.c.run_at <= now),
                    sa.and_(jobs.c.status == "doing", jobs.c.locked_until < now),
                )
            )
            .order_by(jobs.c.run_at)
            .limit(limit)
        )
        statement = (
            sa.update(jobs)
            .where(jobs.c.id.in_(due.scalar_subquery()))
            .values(status="doing", locked_until=now + LEASE, attempts=jobs.c.attempts + 1)
            .returning(jobs.c.id, jobs.c.tenant_id, jobs.c.task, jobs.c.args, jobs.c.attempts)
        )
        async with self._database.transaction() as connection:
            await connection.lock_for_writing()
            return list((await connection.execute(statement)).all())

    async def _execute(self, row: Any) -> None:
        try:
            await self._run(row.task, row.tenant_id, dict(row.args))
        except Exception as error:  # noqa: BLE001 - a job's failure is recorded, never fatal to the runner
            await self._failed(row, error)
        else:
            await self._finish(row.id, status="succeeded", error=None)

    async def _failed(self, row: Any, error: Exception) -> None:
        permanent = isinstance(error, PermanentJobFailure) or row.attempts >= MAX_JOB_ATTEMPTS
        log.warning("job.failed", task=row.task, attempt=row.attempts, permanent=permanent, error=type(error).__name__)
        if permanent:
            await self._finish(row.id, status="failed", error=_error_text(error))
            return
        try:
            async with self._database.transaction() as connection:
                await connection.lock_for_writing()
                await connection.execute(
                    sa.update(jobs)
                    .where(jobs.c.id == row.id)
                    .values(
                        status="todo",
                        run_at=self._now() + backoff(row.attempts),
                        locked_until=None,
                        last_error=_error_text(error),
                    )
                )
        except IntegrityError:  # a job with the same key was scheduled meanwhile: it will do the work
            await self._finish(row.id, status="failed", error="superseded by a newer job with the same key")

    async def purge(self, before: datetime) -> int:
        """Delete jobs that ended (succeeded or failed) before ``before``; returns how many."""
        async with self._database.transaction() as connection:
            await connection.lock_for_writing()
            result = await connection.execute(
                sa.delete(jobs).where(jobs.c.status.in_(("succeeded", "failed")), jobs.c.finished_at < before)
            )
            return result.rowcount

    async def _finish(self, job_id: Any, *, status: str, error: str | None) -> None:
        async with self._database.transaction() as connection:
            await connection.lock_for_writing()
            await connection.execute(
                sa.update(jobs)
                .where(jobs.c.id == job_id)
                .values(status=status, finished_at=self._now(), locked_until=None, last_error=error)
            )
