"""One process's background work: the outbox relay, the job engine and the periodic tasks.

``prm worker`` runs a :class:`Worker` until SIGTERM or SIGINT; ``prm serve`` runs one inside the
server process unless ``PRM_WORKER=off`` (so ``make run`` shows background work with no second
command). Any number of workers may run at once on PostgreSQL (the relay shares partitions by
advisory lock, procrastinate hands each job to one worker); on SQLite the embedded engine claims
durable rows.

Stopping (SIGTERM): the relay finishes its batch, the job engine finishes or releases the jobs in
hand (procrastinate waits up to :data:`GRACE_SECONDS`, then gives them back), then the process
exits. A process killed outright loses nothing either: unpublished events stay unpublished,
procrastinate's stale-heartbeat pruning and the embedded engine's leases give its jobs to another.
"""

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from dishka import AsyncContainer

from prm.adapters.events.nats_publisher import NatsPublisher
from prm.adapters.jobs.embedded_engine import EmbeddedJobEngine
from prm.adapters.jobs.procrastinate_engine import procrastinate_app
from prm.adapters.sql.connection import SqlDatabase
from prm.adapters.sql.job_scheduler import QUEUE
from prm.adapters.sql.outbox_relay import EventPublisher, OutboxRelay
from prm.application.identity.ports import TenantRepository
from prm.application.shared.context import SYSTEM, RequestContext
from prm.application.shared.jobs import JobScheduler
from prm.application.shared.ports import UnitOfWork
from prm.domain.shared.ids import TenantId
from prm.entrypoints.worker.dispatch import ContainerDispatcher
from prm.ioc.jobs import PERIODIC
from prm.ioc.periodic import Periodic
from prm.settings import Settings

log = structlog.get_logger(__name__)

GRACE_SECONDS = 30.0
"""How long a stopping worker waits for the jobs in hand before giving them back."""

STALLED_SECONDS = 30.0
"""A worker whose heartbeat (procrastinate's, every 10 s) is this old is taken for dead."""

RECOVERY_SECONDS = 10.0
"""How often a worker looks for the jobs of dead workers."""

RELAY_IDLE_SECONDS = 0.1
"""How long the relay sleeps when the outbox had nothing to relay."""


def _now() -> datetime:
    return datetime.now(UTC)


class Worker:
    """The relay, the job engine and the periodic scheduler of one process (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        container: AsyncContainer,
        *,
        concurrency: int | None = None,
        now: Callable[[], datetime] = _now,
        periodic: tuple[Periodic, ...] = PERIODIC,
        dispatcher: ContainerDispatcher | None = None,
    ) -> None:
        self._settings = settings
        self._container = container
        self._concurrency = concurrency or settings.worker_concurrency
        self._now = now
        self._periodic = periodic
        self._last_run: dict[str, datetime] = {}
        self.dispatcher = dispatcher or ContainerDispatcher(container)
        self._publishers: list[EventPublisher] = [NatsPublisher(settings.nats_url)] if settings.nats_url else []
        self._stopping = asyncio.Event()
        self._database: SqlDatabase | None = None
        self.relay: OutboxRelay | None = None
        self.embedded: EmbeddedJobEngine | None = None
        self._app: Any = None
        self._last_recovery = datetime.min.replace(tzinfo=UTC)

    @property
    def postgres(self) -> bool:
        return self._settings.database_url.startswith("postgresql")

    def stop(self) -> None:
        """Ask the loops to finish what they hold and return."""
        self._stopping.set()
        if self.embedded is not None:
            self.embedded.stop()

    async def _open(self) -> None:
        if self._database is None:
            database: SqlDatabase = await self._container.get(SqlDatabase)
            self._database = database
            self.relay = OutboxRelay(database, self.dispatcher, self._now, publishers=self._publishers)
            if not self.postgres:
                self.embedded = EmbeddedJobEngine(
                    database, self.dispatcher.run_job, self._now, concurrency=self._concurrency
                )

    async def run(self) -> None:
        """Run every loop until :meth:`stop`."""
        await self._open()
        log.info("worker.started", engine="procrastinate" if self.postgres else "embedded")
        async with self._jobs() as jobs_task:
            loops = [asyncio.create_task(self._relay_loop()), asyncio.create_task(self._periodic_loop())]
            try:
                await self._stopping.wait()
            finally:
                for task in loops:
                    task.cancel()
                await asyncio.gather(*loops, return_exceptions=True)
                await self._stop_jobs(jobs_task)
        await self.close()
        log.info("worker.stopped")

    @contextlib.asynccontextmanager
    async def _jobs(self) -> AsyncIterator[asyncio.Task[Any]]:
        if self.postgres:
            app = procrastinate_app(self._settings.database_url, self.dispatcher.tasks, self.dispatcher.run_job)
            async with app.open_async():
                self._app = app
                yield asyncio.create_task(
                    app.run_worker_async(
                        queues=[QUEUE],
                        concurrency=self._concurrency,
                        install_signal_handlers=False,
                        shutdown_graceful_timeout=GRACE_SECONDS,
                        delete_jobs="successful",
                        fetch_job_polling_interval=2.0,
                    )
                )
        else:
            assert self.embedded is not None
            yield asyncio.create_task(self.embedded.run())

    async def _stop_jobs(self, task: asyncio.Task[Any]) -> None:
        if self.embedded is not None:
            self.embedded.stop()
        else:
            task.cancel()  # procrastinate: a graceful stop, up to GRACE_SECONDS
        await asyncio.gather(task, return_exceptions=True)

    async def _relay_loop(self) -> None:
        assert self.relay is not None
        while not self._stopping.is_set():
            try:
                published = await self.relay.relay_once()
            except Exception:
                log.exception("relay.pass_failed")
                published = 0
            if not published:
                await asyncio.sleep(RELAY_IDLE_SECONDS)

    async def _periodic_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.schedule_periodic()
                await self.recover_stalled_jobs()
            except Exception:
                log.exception("periodic.schedule_failed")
            await asyncio.sleep(1.0 + random.random())

    async def schedule_periodic(self, *, force: bool = False, tenants: list[TenantId] | None = None) -> int:
        """Schedule each periodic task whose interval has passed, once per active tenant (key
        ``periodic:<task>:<tenant>``: a tick of another worker while the job waits adds nothing);
        returns how many jobs were asked for."""
        now = self._now()
        due = [
            p
            for p in self._periodic
            if force
            or now - self._last_run.get(p.task, datetime.min.replace(tzinfo=UTC)) >= timedelta(seconds=p.seconds)
        ]
        if not due:
            return 0
        tenants = tenants if tenants is not None else await self._tenants()
        for tenant_id in tenants:
            async with self._scope(tenant_id) as scope:
                scheduler = await scope.get(JobScheduler)
                for p in due:
                    scheduler.schedule(p.task, {}, key=f"periodic:{p.task}:{tenant_id}")
                await (await scope.get(UnitOfWork)).commit()
        for p in due:
            self._last_run[p.task] = now
        return len(due) * len(tenants)

    async def recover_stalled_jobs(self) -> int:
        """PostgreSQL: give back the jobs of workers that died (no heartbeat for
        :data:`STALLED_SECONDS`: killed, or their host gone) to be run again; every
        :data:`RECOVERY_SECONDS`. Returns how many. (The embedded engine's leases do this on SQLite.)"""
        now = self._now()
        if self._app is None or now - self._last_recovery < timedelta(seconds=RECOVERY_SECONDS):
            return 0
        self._last_recovery = now
        stalled = list(
            await self._app.job_manager.get_stalled_jobs(queue=QUEUE, seconds_since_heartbeat=STALLED_SECONDS)
        )
        for job in stalled:
            await self._app.job_manager.retry_job(job)
        if stalled:
            log.warning("jobs.stalled_retried", count=len(stalled))
        return len(stalled)

    async def _tenants(self) -> list[TenantId]:
        async with self._scope(TenantId(self._settings.default_tenant_id)) as scope:
            tenants = await (await scope.get(TenantRepository)).list()
        ids = [t.id for t in tenants if t.is_active]
        default = TenantId(self._settings.default_tenant_id)
        return ids if default in ids or any(t.id == default for t in tenants) else [default, *ids]

    def _scope(self, tenant_id: TenantId) -> Any:
        context = RequestContext(tenant_id=tenant_id, principal=SYSTEM, request_id="worker:periodic")
        return self._container(context={RequestContext: context})

    async def run_until_idle(self, *, rounds: int = 50) -> int:
        """Relay and run jobs until neither has anything due (tests, ``prm worker --until-idle``);
        returns how many events and jobs were handled."""
        await self._open()
        assert self.relay is not None
        total = 0
        for _ in range(rounds):
            done = await self.relay.drain()
            done += await self._run_due_jobs()
            total += done
            if not done:
                break
        return total

    async def _run_due_jobs(self) -> int:
        if self.embedded is not None:
            return await self.embedded.run_until_idle()
        app = procrastinate_app(self._settings.database_url, self.dispatcher.tasks, self.dispatcher.run_job)
        async with app.open_async():
            due = await _due_jobs(app)
            if due:
                await app.run_worker_async(
                    queues=[QUEUE],
                    wait=False,
                    install_signal_handlers=False,
                    concurrency=self._concurrency,
                    delete_jobs="successful",
                )
        return due

    async def close(self) -> None:
        for publisher in self._publishers:
            close: Callable[[], Awaitable[None]] | None = getattr(publisher, "close", None)
            if close is not None:
                await close()


async def _due_jobs(app: Any) -> int:
    rows = await app.connector.execute_query_all_async(
        "SELECT count(*) AS n FROM procrastinate_jobs WHERE queue_name = %(queue)s AND status = 'todo' "
        "AND (scheduled_at IS NULL OR scheduled_at <= now())",
        queue=QUEUE,
    )
    return int(rows[0]["n"])
