"""Background work a use case schedules inside its own transaction.

``JobScheduler.schedule`` records the job in the unit of work's transaction: a use case that rolls
back schedules nothing, one that commits always does. The job engine hands it to a worker after
commit (PostgreSQL: procrastinate, any number of ``prm worker`` processes, none running a job
twice; SQLite: the in-process runner of ``prm serve``, claiming durable rows).

A job names a task registered in ``prm.ioc.jobs.JOB_HANDLERS`` and carries JSON arguments (ids as
strings, never names, phones or message bodies). It runs in a unit of work bound to
``tenant_id`` with the system principal. ``key`` de-duplicates within the tenant: while a job of the
tenant's with the same key waits to run, scheduling another with that key does nothing.
"""

from abc import abstractmethod
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol


class JobScheduler(Protocol):
    """Schedules background jobs in the caller's unit of work (REQUEST scope)."""

    @abstractmethod
    def schedule(
        self,
        task: str,
        args: Mapping[str, Any],
        *,
        at: datetime | None = None,
        after: timedelta | None = None,
        key: str | None = None,
    ) -> None:
        """Run ``task`` with ``args`` (JSON values) at ``at`` (UTC), or ``after`` from now, or as
        soon as possible; ``key`` makes it a no-op while a job with that key is waiting. Written
        when the unit of work commits."""


class JobHandler(Protocol):
    """Runs one job's work. Raising makes the engine retry it later with backoff (up to the
    task's attempts); :class:`PermanentJobFailure` fails it at once."""

    @abstractmethod
    async def __call__(self, args: Mapping[str, Any]) -> None: ...


class PermanentJobFailure(Exception):
    """The job can never succeed (its record is gone, its input is invalid): do not retry."""
