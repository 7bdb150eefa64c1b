"""The integrations use cases with fakes of their ports."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from prm.application.integrations.inputs import ItemError, ReceiveEventCommand
from prm.application.integrations.ports import InboundEvent
from prm.application.integrations.process_events import STALE_RETRIES, ProcessIntegrationEvents
from prm.application.integrations.process_jobs import ProcessIntegrationEventBatchJob, ProcessIntegrationEventJob
from prm.application.integrations.receive_event import ReceiveIntegrationEvent
from prm.application.integrations.receive_events import ReceiveIntegrationEvents
from prm.application.integrations.reprocess_event import ReprocessIntegrationEvent
from prm.application.shared.context import SYSTEM, RequestContext
from prm.application.shared.jobs import PermanentJobFailure
from prm.domain.integrations.config import IntegrationConfig
from prm.domain.integrations.errors import IntegrationRateLimited, NotReprocessable
from prm.domain.integrations.ids import IntegrationEventId
from prm.domain.integrations.model import FailureReason, IntegrationEventStatus
from prm.domain.patients.errors import PatientIsDeceased
from prm.domain.shared.errors import RuleViolated, StaleVersion
from prm.domain.shared.ids import PatientId, TenantId
from tests.fakes import FakeJobScheduler, FixedClock, InMemoryAuditTrail, InMemoryOutbox
from tests.unit.integrations.fakes import (
    EventsUnitOfWork,
    FakePatientDirectory,
    InMemoryConfigs,
    InMemoryCounter,
    InMemoryIntegrationEvents,
    RecordingSubscriber,
    StaticSubscribers,
)

TENANT = TenantId(uuid4())
CONTEXT = RequestContext(tenant_id=TENANT, principal=SYSTEM)
NOW = datetime(2026, 3, 10, 9, 40, tzinfo=UTC)
PATIENT = PatientId(uuid4())


def command(**overrides: Any) -> ReceiveEventCommand:
    fields: dict[str, Any] = {
        "source_system": "his",
        "event_code": "OPD_VISIT_COMPLETED",
        "external_id": f"E-{uuid4().hex}",
        "patient_identifier": "MRN1",
        "occurred_at": NOW - timedelta(minutes=1),
        "payload": {"department_code": "DEPT_OPD"},
    }
    fields.update(overrides)
    return ReceiveEventCommand(**fields)


class World:
    def __init__(self, *configs: IntegrationConfig) -> None:
        self.events = InMemoryIntegrationEvents()
        self.configs = InMemoryConfigs(*configs)
        self.counter = InMemoryCounter()
        self.jobs = FakeJobScheduler()
        self.uow = EventsUnitOfWork(self.events)
        self.clock = FixedClock(NOW)
        self.outbox = InMemoryOutbox()
        self.patients = FakePatientDirectory({"MRN1": [PATIENT]})
        self.subscriber = RecordingSubscriber()
        self.subscribers = StaticSubscribers({"OPD_VISIT_COMPLETED": [self.subscriber]})

    def receive(self) -> ReceiveIntegrationEvent:
        args = (self.events, self.configs, self.counter, self.jobs, self.uow, self.clock, CONTEXT)
        return ReceiveIntegrationEvent(*args)

    def receive_many(self) -> ReceiveIntegrationEvents:
        args = (self.events, self.configs, self.counter, self.jobs, self.uow, self.clock, CONTEXT)
        return ReceiveIntegrationEvents(*args)

    def process(self) -> ProcessIntegrationEvents:
        return ProcessIntegrationEvents(self.events, self.patients, self.subscribers, self.outbox, self.uow, self.clock)


@pytest.fixture
def world() -> World:
    return World()


async def test_receiving_stores_a_pending_event_and_schedules_its_job_in_one_commit(world: World) -> None:
    received = await world.receive()(command())
    assert received.created
    assert received.event.status is IntegrationEventStatus.PENDING
    assert world.uow.commits == 1
    assert [(j.task, j.args, j.key) for j in world.jobs.jobs] == [
        ("integrations.process_event", {"event_id": str(received.event.id)}, str(received.event.id))
    ]
    assert list(world.events.rows) == [received.event.id]


async def test_a_replay_answers_the_stored_event_and_changes_nothing(world: World) -> None:
    first = await world.receive()(command(external_id="X-1"))
    again = await world.receive()(command(external_id="X-1", event_code="OTHER_THING"))
    assert (again.created, again.event.id, again.event.event_code) == (False, first.event.id, "OPD_VISIT_COMPLETED")
    assert (world.uow.commits, len(world.jobs.jobs), len(world.events.rows)) == (1, 1, 1)
    assert sum(world.counter.windows.values()) == 1


async def test_the_rate_limit_refuses_past_the_configured_limit_until_the_hour_ends() -> None:
    world = World(
        IntegrationConfig.create(tenant_id=TENANT, name="HIS", source_system="his", now=NOW, rate_limit_per_hour=2)
    )
    await world.receive()(command())
    await world.receive()(command())
    with pytest.raises(IntegrationRateLimited) as refused:
        await world.receive()(command())
    assert refused.value.retry_after == 20 * 60  # 09:40 -> 10:00
    assert world.uow.commits == 2
    world.clock.current = NOW + timedelta(minutes=20)
    assert (await world.receive()(command())).created


async def test_an_inactive_configuration_leaves_the_default_limit() -> None:
    config = IntegrationConfig.create(
        tenant_id=TENANT, name="HIS", source_system="his", now=NOW, rate_limit_per_hour=1, is_active=False
    )
    world = World(config)
    for _ in range(3):
        await world.receive()(command())
    assert len(world.events.rows) == 3


async def test_a_batch_stores_its_good_elements_and_schedules_one_job(world: World) -> None:
    known = await world.receive()(command())
    items: list[ReceiveEventCommand | ItemError] = [
        command(external_id="B-0"),
        command(external_id="B-1", event_code="lower"),
        ItemError(index=2, loc=("body", "events", 2, "external_id"), msg="missing"),
        command(external_id="B-0"),
        command(external_id=known.event.external_id),
        command(external_id="B-5", source_system="lab"),
    ]
    batch = await world.receive_many()(items)
    assert (batch.created, batch.duplicates, batch.failed) == (2, 2, 2)
    assert [(e.index, e.loc) for e in batch.errors] == [
        (1, ("body", "events", 1, "event_code")),
        (2, ("body", "events", 2, "external_id")),
    ]
    assert world.uow.commits == 2
    job = world.jobs.jobs[-1]
    assert job.task == "integrations.process_batch"
    stored = {e.external_id: str(e.id) for e in world.events.rows.values()}
    assert job.args == {"event_ids": [stored["B-0"], stored["B-5"]]}


async def test_a_batch_with_nothing_new_commits_nothing(world: World) -> None:
    batch = await world.receive_many()([command(event_code="bad")])
    assert (batch.created, batch.failed, world.uow.commits, world.jobs.jobs) == (0, 1, 0, [])
    with pytest.raises(RuleViolated):
        await world.receive_many()([command() for _ in range(1001)])


async def test_a_batch_past_the_limit_is_refused_whole() -> None:
    world = World(
        IntegrationConfig.create(tenant_id=TENANT, name="Lab", source_system="lab", now=NOW, rate_limit_per_hour=3)
    )
    with pytest.raises(IntegrationRateLimited):
        await world.receive_many()([command(source_system="lab") for _ in range(4)])
    assert (world.events.rows, world.uow.commits) == ({}, 0)


async def _stored(world: World, **overrides: Any) -> IntegrationEventId:
    return (await world.receive()(command(**overrides))).event.id


async def test_processing_resolves_the_patient_and_hands_the_event_to_its_subscribers(world: World) -> None:
    event_id = await _stored(world)
    report = await world.process()([event_id])
    assert (report.processed, report.failed, report.ignored) == (1, 0, 0)
    (seen,) = world.subscriber.seen
    assert (seen.id, seen.patient_id, seen.payload) == (event_id, PATIENT, {"department_code": "DEPT_OPD"})
    stored = world.events.rows[event_id]
    assert (stored.status, stored.patient_id, stored.attempts) == (IntegrationEventStatus.PROCESSED, PATIENT, 1)
    assert [type(e).__name__ for e in world.outbox.events] == ["IntegrationEventProcessed"]


async def test_processing_again_changes_nothing(world: World) -> None:
    event_id = await _stored(world)
    await world.process()([event_id])
    commits = world.uow.commits
    report = await world.process()([event_id])
    assert (report.skipped, len(world.subscriber.seen), world.uow.commits) == (1, 1, commits)


async def test_outcomes_without_a_subscriber_or_a_patient(world: World) -> None:
    world.patients.known["MRN2"] = [PATIENT, PatientId(uuid4())]
    ignored = await _stored(world, event_code="LAB_ORDER_COMPLETED")
    unknown = await _stored(world, patient_identifier="MRN-NOBODY")
    ambiguous = await _stored(world, patient_identifier="MRN2")
    report = await world.process()([ignored, unknown, ambiguous, IntegrationEventId(uuid4())])
    assert (report.processed, report.ignored, report.failed, report.missing) == (0, 1, 2, 1)
    assert world.events.rows[ignored].status is IntegrationEventStatus.IGNORED
    assert world.events.rows[unknown].failure_reason is FailureReason.UNKNOWN_PATIENT
    assert world.events.rows[ambiguous].failure_reason is FailureReason.AMBIGUOUS_PATIENT
    assert len(world.patients.calls) == 1  # one look-up for the whole batch
    assert world.uow.commits == 4


async def test_a_subscriber_that_refuses_fails_the_event_with_its_code(world: World) -> None:
    world.subscribers.by_code["OPD_VISIT_COMPLETED"] = [RecordingSubscriber(PatientIsDeceased("the patient died"))]
    event_id = await _stored(world)
    await world.process()([event_id])
    failed = world.events.rows[event_id]
    assert failed.failure_reason is FailureReason.SUBSCRIBER_REJECTED
    assert failed.failure_message == "patients.deceased: the patient died"


class CollidingSubscriber(RecordingSubscriber):
    """Meets a concurrent change ``collisions`` times, then takes the event."""

    def __init__(self, collisions: int) -> None:
        super().__init__()
        self.collisions = collisions
        self.calls = 0

    async def __call__(self, event: InboundEvent) -> None:
        self.calls += 1
        if self.calls <= self.collisions:
            raise StaleVersion("changed meanwhile")
        await super().__call__(event)


async def test_a_subscriber_that_met_a_concurrent_change_is_called_again(world: World) -> None:
    subscriber = CollidingSubscriber(collisions=STALE_RETRIES)
    world.subscribers.by_code["OPD_VISIT_COMPLETED"] = [subscriber]
    event_id = await _stored(world)
    await world.process()([event_id])
    assert world.events.rows[event_id].status is IntegrationEventStatus.PROCESSED
    assert (subscriber.calls, len(subscriber.seen)) == (STALE_RETRIES + 1, 1)


async def test_an_event_fails_when_the_collisions_go_on(world: World) -> None:
    world.subscribers.by_code["OPD_VISIT_COMPLETED"] = [CollidingSubscriber(collisions=STALE_RETRIES + 1)]
    event_id = await _stored(world)
    await world.process()([event_id])
    failed = world.events.rows[event_id]
    assert failed.failure_reason is FailureReason.SUBSCRIBER_REJECTED
    assert failed.failure_message == "prm.stale_version: changed meanwhile"


async def test_reprocessing_a_failed_event_schedules_it_again(world: World) -> None:
    event_id = await _stored(world, patient_identifier="MRN-LATER")
    audit = InMemoryAuditTrail()
    reprocess = ReprocessIntegrationEvent(world.events, world.jobs, audit, world.uow)
    with pytest.raises(NotReprocessable):
        await reprocess(event_id)
    await world.process()([event_id])
    world.jobs.jobs.clear()
    again = await reprocess(event_id)
    assert again.status is IntegrationEventStatus.PENDING
    assert [(j.task, j.key) for j in world.jobs.jobs] == [("integrations.process_event", str(event_id))]
    assert audit.events == [("update", "integration_event", event_id, ("status",))]


async def test_the_job_handlers_read_their_arguments(world: World) -> None:
    event_id = await _stored(world)
    await ProcessIntegrationEventBatchJob(world.process())({"event_ids": [str(event_id)]})
    assert world.events.rows[event_id].status is IntegrationEventStatus.PROCESSED
    with pytest.raises(PermanentJobFailure):
        await ProcessIntegrationEventJob(world.process())({"event_id": str(uuid4())})
    with pytest.raises(PermanentJobFailure):
        await ProcessIntegrationEventJob(world.process())({"event_id": "nope"})
    with pytest.raises(PermanentJobFailure):
        await ProcessIntegrationEventBatchJob(world.process())({"event_ids": []})
