"""The outbox relay and the job engine, on both databases: every committed event reaches its
handlers once, in order per aggregate; a rolled-back use case leaves no event and no job; a
failing handler is retried without holding up other aggregates; jobs run once, de-duplicated by key."""

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from dishka import AsyncContainer, Provider, Scope, provide_all

from prm.adapters.sql.connection import SqlDatabase
from prm.adapters.sql.identity_tables import refresh_tokens
from prm.adapters.sql.outbox_tables import event_handler_failures, outbox, processed_events
from prm.application.patients.register_patient import RegisterPatient
from prm.application.patients.update_patient import UpdatePatient, UpdatePatientCommand
from prm.application.shared.context import SYSTEM, RequestContext
from prm.application.shared.events import BatchEventHandler, EventHandler, PublishedEvent
from prm.application.shared.jobs import JobHandler, JobScheduler
from prm.application.shared.ports import UnitOfWork
from prm.domain.shared.ids import TenantId
from prm.domain.shared.person import AdministrativeGender
from prm.entrypoints.library import LibraryContextProvider
from prm.entrypoints.worker.dispatch import ContainerDispatcher
from prm.entrypoints.worker.service import Worker
from prm.ioc import make_container
from prm.ioc.jobs import PERIODIC
from prm.settings import Settings
from tests.unit.patients.builders import patient_input

SEEN: list[PublishedEvent] = []
JOBS: list[tuple[UUID | None, dict[str, Any]]] = []
FAIL_ONCE: set[UUID] = set()


class RecordEvents(EventHandler):
    async def __call__(self, event: PublishedEvent) -> None:
        SEEN.append(event)


class FailFirstTime(EventHandler):
    """Raises the first time it meets an aggregate in FAIL_ONCE, then records."""

    async def __call__(self, event: PublishedEvent) -> None:
        if event.aggregate_id in FAIL_ONCE:
            FAIL_ONCE.discard(event.aggregate_id)
            raise RuntimeError("receiver down")
        SEEN.append(event)


BATCHES: list[list[str]] = []


class RecordInBatches(BatchEventHandler):
    """Takes a partition's events at once; raises for a batch holding an aggregate in FAIL_ONCE
    (once), and then, one at a time, for that aggregate's first event."""

    async def __call__(self, event: PublishedEvent) -> None:
        if event.aggregate_id in FAIL_ONCE:
            FAIL_ONCE.discard(event.aggregate_id)
            raise RuntimeError("bad event")
        SEEN.append(event)

    async def handle_batch(self, events: Sequence[PublishedEvent]) -> None:
        if any(e.aggregate_id in FAIL_ONCE for e in events):
            raise RuntimeError("a bad event in the batch")
        BATCHES.append([e.type for e in events])
        SEEN.extend(events)


class RecordJob(JobHandler):
    def __init__(self, context: RequestContext) -> None:
        self._context = context

    async def __call__(self, args: Mapping[str, Any]) -> None:
        JOBS.append((self._context.tenant_id, dict(args)))


class RecordingHandlers(Provider):
    scope = Scope.REQUEST
    handlers = provide_all(RecordEvents, FailFirstTime, RecordInBatches, RecordJob)


@pytest.fixture
async def container(settings: Settings) -> AsyncIterator[AsyncContainer]:
    SEEN.clear()
    BATCHES.clear()
    JOBS.clear()
    FAIL_ONCE.clear()
    container = make_container(settings, LibraryContextProvider(), RecordingHandlers())
    yield container
    await container.close()


def unit(container: AsyncContainer, settings: Settings) -> Any:
    context = RequestContext(tenant_id=TenantId(settings.default_tenant_id), principal=SYSTEM)
    return container(context={RequestContext: context})


def worker(settings: Settings, container: AsyncContainer, handlers: Any, now: Any = None) -> Worker:
    dispatcher = ContainerDispatcher(container, event_handlers=handlers, job_handlers={"tests.record": RecordJob})
    return Worker(settings, container, dispatcher=dispatcher, periodic=(), **({"now": now} if now else {}))


def mine(settings: Settings) -> list[PublishedEvent]:
    return [e for e in SEEN if e.tenant_id == settings.default_tenant_id]


async def test_every_committed_event_reaches_its_handler_once_in_order(
    settings: Settings, container: AsyncContainer
) -> None:
    async with unit(container, settings) as scope:
        patient = await (await scope.get(RegisterPatient))(patient_input(mrn="EV-1"))
    async with unit(container, settings) as scope:
        await (await scope.get(UpdatePatient))(
            UpdatePatientCommand(patient_id=patient.id, changes={"gender": AdministrativeGender.OTHER})
        )
    relay = worker(settings, container, {"patient.registered": (RecordEvents,), "patient.updated": (RecordEvents,)})
    await relay.run_until_idle()
    events = [e for e in mine(settings) if e.aggregate_id == patient.id]
    assert [(e.type, e.version) for e in events] == [("patient.registered", 1), ("patient.updated", 1)]
    assert events[1].payload["changed_fields"] == ["gender"]
    assert events[0].occurred_at.tzinfo is not None

    await relay.run_until_idle()  # nothing new: nothing delivered again
    assert len([e for e in mine(settings) if e.aggregate_id == patient.id]) == 2
    database = await container.get(SqlDatabase)
    async with database.connect(settings.default_tenant_id) as connection:
        pending = await connection.execute(
            sa.select(sa.func.count())
            .select_from(outbox)
            .where(outbox.c.aggregate_id == patient.id, outbox.c.published_at.is_(None))
        )
        assert pending.scalar_one() == 0
        records = await connection.execute(
            sa.select(sa.func.count())
            .select_from(processed_events)
            .where(processed_events.c.event_id.in_([e.id for e in events]))
        )
        assert records.scalar_one() == 2


async def test_a_rolled_back_use_case_leaves_no_event_and_no_job(settings: Settings, container: AsyncContainer) -> None:
    async with unit(container, settings) as scope:
        (await scope.get(JobScheduler)).schedule("tests.record", {"n": "kept"})
        await (await scope.get(RegisterPatient))(patient_input(mrn="EV-RB1"))  # commits: the job rides along

    async def fails_before_its_commit() -> None:
        async with unit(container, settings) as scope:
            (await scope.get(JobScheduler)).schedule("tests.record", {"n": "lost"})
            raise RuntimeError("the use case fails before its commit")

    with pytest.raises(RuntimeError):
        await fails_before_its_commit()
    async with unit(container, settings) as scope:
        (await scope.get(JobScheduler)).schedule("tests.record", {"n": "lost too"})
        register = await scope.get(RegisterPatient)
        with pytest.raises(Exception, match="MRN"):
            await register(patient_input(mrn="EV-RB1"))  # duplicate: the commit fails
    relay = worker(settings, container, {"patient.registered": (RecordEvents,)})
    await relay.run_until_idle()
    assert [args for tenant, args in JOBS if tenant == settings.default_tenant_id] == [{"n": "kept"}]
    assert [e.type for e in mine(settings)] == ["patient.registered"]


async def test_jobs_run_once_at_their_time_and_a_waiting_key_is_not_scheduled_twice(
    settings: Settings, container: AsyncContainer
) -> None:
    async with unit(container, settings) as scope:
        scheduler = await scope.get(JobScheduler)
        scheduler.schedule("tests.record", {"n": "now"}, key=f"once:{settings.default_tenant_id}")
        scheduler.schedule("tests.record", {"n": "again"}, key=f"once:{settings.default_tenant_id}")
        scheduler.schedule("tests.record", {"n": "later"}, after=timedelta(hours=1))
        await (await scope.get(UnitOfWork)).commit()
    relay = worker(settings, container, {})
    await relay.run_until_idle()
    assert [args for tenant, args in JOBS if tenant == settings.default_tenant_id] == [{"n": "now"}]


async def test_a_failing_handler_is_retried_later_and_holds_up_only_its_own_aggregate(
    settings: Settings, container: AsyncContainer
) -> None:
    clock = [datetime.now(UTC)]
    async with unit(container, settings) as scope:
        first = await (await scope.get(RegisterPatient))(patient_input(mrn="EV-F1"))
    async with unit(container, settings) as scope:
        second = await (await scope.get(RegisterPatient))(patient_input(mrn="EV-F2"))
    async with unit(container, settings) as scope:
        await (await scope.get(UpdatePatient))(
            UpdatePatientCommand(patient_id=first.id, changes={"gender": AdministrativeGender.OTHER})
        )
    FAIL_ONCE.add(first.id)
    handlers = {"patient.registered": (FailFirstTime,), "patient.updated": (FailFirstTime,)}
    relay = worker(settings, container, handlers, now=lambda: clock[0])
    await relay.run_until_idle()
    assert [(e.aggregate_id, e.type) for e in mine(settings)] == [(second.id, "patient.registered")]
    database = await container.get(SqlDatabase)
    async with database.connect(None) as connection:
        failures = (
            await connection.execute(
                sa.select(event_handler_failures).where(
                    event_handler_failures.c.tenant_id == settings.default_tenant_id
                )
            )
        ).all()
    assert [(f.attempts, f.parked, f.error) for f in failures] == [(1, False, "RuntimeError: receiver down")]

    clock[0] += timedelta(minutes=10)  # past the backoff
    await relay.run_until_idle()
    assert [(e.aggregate_id, e.type) for e in mine(settings)] == [
        (second.id, "patient.registered"),
        (first.id, "patient.registered"),
        (first.id, "patient.updated"),
    ]
    async with database.connect(None) as connection:
        left = await connection.execute(
            sa.select(sa.func.count())
            .select_from(event_handler_failures)
            .where(event_handler_failures.c.tenant_id == settings.default_tenant_id)
        )
        assert left.scalar_one() == 0


async def test_a_batch_handler_takes_an_aggregates_events_at_once_and_a_bad_batch_goes_one_by_one(
    settings: Settings, container: AsyncContainer
) -> None:
    async def changes(mrn: str) -> UUID:
        async with unit(container, settings) as scope:
            patient = await (await scope.get(RegisterPatient))(patient_input(mrn=mrn))
        for gender in (AdministrativeGender.OTHER, AdministrativeGender.MALE):
            async with unit(container, settings) as scope:
                await (await scope.get(UpdatePatient))(
                    UpdatePatientCommand(patient_id=patient.id, changes={"gender": gender})
                )
        return UUID(str(patient.id))

    good = await changes("EV-B1")
    handlers = {"patient.registered": (RecordInBatches,), "patient.updated": (RecordInBatches,)}
    await worker(settings, container, handlers).run_until_idle()
    assert ["patient.registered", "patient.updated", "patient.updated"] in BATCHES
    assert [e.type for e in mine(settings) if e.aggregate_id == good] == [
        "patient.registered",
        "patient.updated",
        "patient.updated",
    ]

    bad = await changes("EV-B2")
    FAIL_ONCE.add(bad)
    clock = [datetime.now(UTC)]
    relay = worker(settings, container, handlers, now=lambda: clock[0])
    await relay.run_until_idle()
    assert [e for e in mine(settings) if e.aggregate_id == bad] == []  # its first event failed alone
    clock[0] += timedelta(minutes=10)
    await relay.run_until_idle()
    assert [e.type for e in mine(settings) if e.aggregate_id == bad] == [
        "patient.registered",
        "patient.updated",
        "patient.updated",
    ]


async def test_periodic_tasks_run_for_each_tenant_and_purge_what_can_no_longer_be_used(
    settings: Settings, container: AsyncContainer, client: Any
) -> None:
    """Logging in leaves a refresh token; once it has expired, the hourly purge deletes it."""
    database = await container.get(SqlDatabase)
    tenant = settings.default_tenant_id
    async with database.transaction() as connection:
        before = await connection.execute(
            sa.select(sa.func.count()).select_from(refresh_tokens).where(refresh_tokens.c.tenant_id == tenant)
        )
        assert before.scalar_one() >= 1
        await connection.execute(
            sa.update(refresh_tokens)
            .where(refresh_tokens.c.tenant_id == tenant)
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    relay = Worker(settings, container, periodic=PERIODIC)
    scheduled = await relay.schedule_periodic(force=True, tenants=[TenantId(tenant)])
    assert scheduled == len(PERIODIC)
    assert await relay.schedule_periodic(tenants=[TenantId(tenant)]) == 0  # not due again yet
    await relay.run_until_idle()
    async with database.connect(None) as connection:
        left = await connection.execute(
            sa.select(sa.func.count()).select_from(refresh_tokens).where(refresh_tokens.c.tenant_id == tenant)
        )
        assert left.scalar_one() == 0


async def test_operations_show_the_relay_lag_and_need_operations_read(
    settings: Settings, container: AsyncContainer, client: Any, client_as: Any
) -> None:
    async with unit(container, settings) as scope:
        await (await scope.get(RegisterPatient))(patient_input(mrn="EV-OPS"))
    status = (await client.get("/api/v1/prm/operations/worker")).json()
    assert status["pending_events"] >= 1
    assert status["lag_seconds"] >= 0
    assert set(status) >= {"failing_handlers", "parked_handlers", "jobs", "failures", "oldest_pending_at"}
    front_desk = await client_as("front_desk")
    assert (await front_desk.get("/api/v1/prm/operations/worker")).status_code == 403


async def test_sqlite_a_job_whose_runner_died_is_claimed_again_when_its_lease_lapses(
    request: pytest.FixtureRequest,
) -> None:
    """The embedded engine (SQLite's); PostgreSQL's dead workers are test_worker_processes'."""
    settings = Settings(
        database_url=str(request.getfixturevalue("_sqlite_url")),
        env="test",
        log_level="warning",
        worker="off",
        default_tenant_id=uuid4(),
    )
    JOBS.clear()
    container = make_container(settings, LibraryContextProvider(), RecordingHandlers())
    try:
        await _lease_lapses(settings, container)
    finally:
        await container.close()


async def _lease_lapses(settings: Settings, container: AsyncContainer) -> None:
    async with unit(container, settings) as scope:
        (await scope.get(JobScheduler)).schedule("tests.record", {"n": "survivor"})
        await (await scope.get(UnitOfWork)).commit()
    clock = [datetime.now(UTC)]
    relay = worker(settings, container, {}, now=lambda: clock[0])
    await relay._open()
    assert relay.embedded is not None
    tenant = settings.default_tenant_id
    claimed = await relay.embedded.claim(1000)  # a runner takes it ... and dies before running it
    assert [row.task for row in claimed if row.tenant_id == tenant] == ["tests.record"]
    assert [row for row in await relay.embedded.claim(1000) if row.tenant_id == tenant] == []  # its lease holds
    clock[0] += timedelta(minutes=6)  # the lease (5 minutes) lapses
    await relay.run_until_idle()
    assert [args for tenant, args in JOBS if tenant == settings.default_tenant_id] == [{"n": "survivor"}]


async def test_an_integration_event_posted_twice_is_one_event_and_the_worker_fails_it_with_a_reason(
    settings: Settings, container: AsyncContainer, client: Any
) -> None:
    """The issue's walkthrough, through the real job engine: the same external id twice is one
    event; the worker (its ``integrations.process_event`` job) fails it naming the unknown patient."""
    event = {
        "source_system": "WALK-HIS",
        "event_code": "OPD_VISIT_COMPLETED",
        "external_id": f"walk-{uuid4().hex[:6]}",
        "patient_identifier": "MRN-NOBODY",
        "occurred_at": "2026-12-01T09:30:00+01:00",
    }
    first = await client.post("/api/v1/prm/integrations/events", json=event)
    again = await client.post("/api/v1/prm/integrations/events", json=event)
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["id"] == first.json()["id"]
    await Worker(settings, container, periodic=()).run_until_idle()
    done = (await client.get(f"/api/v1/prm/integrations/events/{first.json()['id']}")).json()
    assert (done["status"], done["failure_reason"]) == ("failed", "unknown_patient")
