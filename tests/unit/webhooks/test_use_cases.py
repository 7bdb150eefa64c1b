"""The webhooks use cases on fakes: fan-out, the delivery job, disabling, pings, retries, subscriptions."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from prm.application.shared.context import SYSTEM, RequestContext
from prm.application.shared.events import PublishedEvent
from prm.application.shared.jobs import PermanentJobFailure
from prm.application.webhooks.create_subscription import CreateSubscription, CreateSubscriptionCommand
from prm.application.webhooks.deliver_webhook import DeliverWebhook
from prm.application.webhooks.fan_out_to_webhooks import FanOutToWebhooks
from prm.application.webhooks.ping_subscription import PingSubscription
from prm.application.webhooks.retry_delivery import RetryDelivery
from prm.application.webhooks.update_subscription import UpdateSubscription, UpdateSubscriptionCommand
from prm.domain.shared.ids import TenantId, new_id
from prm.domain.webhooks.delivery import MAX_ATTEMPTS, RETRY_SCHEDULE, Delivery, DeliveryStatus
from prm.domain.webhooks.errors import SubscriptionInactive, UnsafeDestination
from prm.domain.webhooks.events import SubscriptionCreated, SubscriptionDisabled
from prm.domain.webhooks.model import FAILURES_BEFORE_DISABLING, Subscription
from tests.fakes import FakeJobScheduler, FakeUnitOfWork, FixedClock, InMemoryAuditTrail, InMemoryOutbox
from tests.unit.webhooks.fakes import (
    AllowingPolicy,
    CeilingJitter,
    InMemoryDeliveries,
    InMemorySubscriptions,
    ScriptedSender,
)

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
TENANT = TenantId(uuid4())


class World:
    def __init__(self, *statuses: int) -> None:
        self.subscriptions = InMemorySubscriptions()
        self.deliveries = InMemoryDeliveries()
        self.sender = ScriptedSender(*statuses)
        self.scheduler = FakeJobScheduler()
        self.outbox = InMemoryOutbox()
        self.audit = InMemoryAuditTrail()
        self.uow = FakeUnitOfWork()
        self.clock = FixedClock(NOW)
        self.context = RequestContext(tenant_id=TENANT, principal=SYSTEM)

    async def subscribe(self, *patterns: str, is_active: bool = True) -> Subscription:
        s = Subscription.create(
            tenant_id=TENANT,
            url=f"https://hooks.example.org/{uuid4()}",
            event_types=patterns,
            description=None,
            is_active=is_active,
            now=NOW,
        )
        await self.subscriptions.add(s)
        return s

    def fan_out(self) -> FanOutToWebhooks:
        return FanOutToWebhooks(self.subscriptions, self.deliveries, self.scheduler, self.uow, self.clock, self.context)

    def deliver(self) -> DeliverWebhook:
        return DeliverWebhook(
            self.deliveries,
            self.subscriptions,
            self.sender,
            self.scheduler,
            CeilingJitter(),
            self.outbox,
            self.audit,
            self.uow,
            self.clock,
        )

    def only_delivery(self) -> Delivery:
        (delivery,) = self.deliveries.rows.values()
        return delivery


def event(type_: str = "appointment.booked", tenant_id: TenantId = TENANT) -> PublishedEvent:
    aggregate = uuid4()
    return PublishedEvent(
        id=new_id(),
        tenant_id=tenant_id,
        type=type_,
        version=1,
        aggregate_id=aggregate,
        occurred_at=NOW - timedelta(seconds=2),
        payload={"appointment_id": str(aggregate)},
    )


async def test_fan_out_makes_one_delivery_and_job_per_matching_active_subscription() -> None:
    world = World()
    wanted = await world.subscribe("appointment.*")
    await world.subscribe("patient.*")
    await world.subscribe("*", is_active=False)
    everything = await world.subscribe("*")
    booked = event()
    await world.fan_out()(booked)
    deliveries = sorted(world.deliveries.rows.values(), key=lambda d: d.subscription_id)
    assert [d.subscription_id for d in deliveries] == sorted([wanted.id, everything.id])
    first = deliveries[0]
    assert first.body == {
        "type": "appointment.booked",
        "timestamp": "2026-03-10T09:29:58Z",
        "data": {
            "id": str(booked.id),
            "version": 1,
            "aggregate_id": str(booked.aggregate_id),
            "occurred_at": "2026-03-10T09:29:58Z",
            "tenant_id": str(TENANT),
            "payload": dict(booked.payload),
        },
    }
    jobs = {(j.task, j.args["delivery_id"], j.args["attempt"], j.key, j.after) for j in world.scheduler.jobs}
    assert jobs == {("webhooks.deliver", str(d.id), 1, str(d.id), timedelta(0)) for d in deliveries}
    assert world.uow.commits == 1
    await world.fan_out()(booked)  # the same event again: nothing new
    assert (len(world.deliveries.rows), world.uow.commits) == (2, 1)


async def test_a_batch_fans_out_with_one_read_and_one_commit() -> None:
    world = World()
    appointments = await world.subscribe("appointment.*")
    everything = await world.subscribe("*")
    booked, registered = event(), event("patient.registered")
    await world.fan_out().handle_batch([booked, registered, booked])
    pairs = sorted((d.event_id, d.subscription_id) for d in world.deliveries.rows.values())
    assert pairs == sorted([(booked.id, appointments.id), (booked.id, everything.id), (registered.id, everything.id)])
    assert (len(world.scheduler.jobs), world.uow.commits) == (3, 1)
    await world.fan_out().handle_batch([registered])
    assert world.uow.commits == 1


async def test_our_own_events_fan_out_only_to_subscriptions_that_name_them() -> None:
    world = World()
    await world.subscribe("*")
    named = await world.subscribe("webhook.*")
    await world.fan_out()(event("webhook.subscription_disabled"))
    assert [d.subscription_id for d in world.deliveries.rows.values()] == [named.id]


async def test_an_event_of_another_tenant_is_refused() -> None:
    world = World()
    with pytest.raises(ValueError, match="tenant"):
        await world.fan_out()(event(tenant_id=TenantId(uuid4())))


async def test_a_failed_attempt_schedules_the_next_and_a_success_ends_it() -> None:
    world = World(500, 503, 200)
    await world.subscribe("*")
    await world.fan_out()(event())
    delivery = world.only_delivery()
    for attempt in (1, 2, 3):
        world.scheduler.jobs.clear()
        await world.deliver()({"delivery_id": str(delivery.id), "attempt": attempt})
        current = world.only_delivery()
        if attempt < 3:
            (job,) = world.scheduler.jobs
            assert (job.args, job.after, job.key) == (
                {"delivery_id": str(delivery.id), "attempt": attempt + 1},
                RETRY_SCHEDULE[attempt - 1],
                f"{delivery.id}:{attempt + 1}",
            )
            assert current.status is DeliveryStatus.PENDING
    assert (current.status, current.attempts, current.last_status_code) == (DeliveryStatus.SUCCEEDED, 3, 200)
    assert world.scheduler.jobs == []
    assert {m.message_id for m in world.sender.sent} == {f"msg_{delivery.id}"}
    assert [a.number for a in world.deliveries.attempts] == [1, 2, 3]


async def test_a_job_for_an_attempt_already_made_does_nothing() -> None:
    world = World(500)
    await world.subscribe("*")
    await world.fan_out()(event())
    delivery = world.only_delivery()
    await world.deliver()({"delivery_id": str(delivery.id), "attempt": 1})
    await world.deliver()({"delivery_id": str(delivery.id), "attempt": 1})
    assert len(world.sender.sent) == 1


async def test_bad_or_stale_jobs_fail_permanently() -> None:
    world = World()
    with pytest.raises(PermanentJobFailure):
        await world.deliver()({"delivery_id": "nope"})
    with pytest.raises(PermanentJobFailure):
        await world.deliver()({"delivery_id": str(uuid4()), "attempt": 1})


async def test_an_inactive_subscription_gets_nothing() -> None:
    world = World()
    s = await world.subscribe("*")
    await world.fan_out()(event())
    world.subscriptions.rows[s.id].is_active = False
    await world.deliver()({"delivery_id": str(world.only_delivery().id), "attempt": 1})
    assert world.sender.sent == []
    assert world.only_delivery().status is DeliveryStatus.FAILED
    assert world.subscriptions.rows[s.id].consecutive_failures == 0


async def exhaust(world: World) -> None:
    await world.fan_out()(event())
    delivery = max(world.deliveries.rows.values(), key=lambda d: d.id)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        await world.deliver()({"delivery_id": str(delivery.id), "attempt": attempt})
    assert world.deliveries.rows[delivery.id].status is DeliveryStatus.FAILED


async def test_a_run_of_deliveries_failed_for_good_disables_the_subscription() -> None:
    world = World(500)
    s = await world.subscribe("*")
    for _ in range(FAILURES_BEFORE_DISABLING - 1):
        await exhaust(world)
    assert world.subscriptions.rows[s.id].is_active
    assert world.outbox.events == []
    await exhaust(world)
    stored = world.subscriptions.rows[s.id]
    assert (stored.is_active, stored.disabled_reason) == (False, "consecutive_failures")
    assert world.outbox.events == [SubscriptionDisabled(s.id, "consecutive_failures", FAILURES_BEFORE_DISABLING)]
    assert world.audit.events == [("update", "webhook_subscription", s.id, ("is_active",))]


async def test_a_success_ends_the_run_of_failures() -> None:
    world = World(500)
    s = await world.subscribe("*")
    await exhaust(world)
    assert world.subscriptions.rows[s.id].consecutive_failures == 1
    world.sender.statuses = [204]
    await world.fan_out()(event())
    newest = max(world.deliveries.rows.values(), key=lambda d: d.id)
    await world.deliver()({"delivery_id": str(newest.id), "attempt": 1})
    assert world.subscriptions.rows[s.id].consecutive_failures == 0


async def test_a_ping_is_sent_at_once_and_logged() -> None:
    world = World(418)
    s = await world.subscribe("patient.*")
    ping = PingSubscription(
        world.subscriptions, world.deliveries, world.sender, CeilingJitter(), world.audit, world.uow, world.clock
    )
    delivery = await ping(s.id)
    assert (delivery.status, delivery.last_status_code, delivery.event_type) == (
        DeliveryStatus.FAILED,
        418,
        "webhook.ping",
    )
    (message,) = world.sender.sent
    assert message.body["type"] == "webhook.ping"
    assert message.secrets == (s.secret,)
    assert world.deliveries.rows[delivery.id].attempts == 1
    assert world.scheduler.jobs == []


async def test_a_retry_schedules_an_attempt_now_unless_the_subscription_is_inactive() -> None:
    world = World(500)
    s = await world.subscribe("*")
    await exhaust(world)
    delivery = world.only_delivery()
    world.scheduler.jobs.clear()
    retry = RetryDelivery(world.deliveries, world.subscriptions, world.scheduler, world.audit, world.uow, world.clock)
    retried = await retry(delivery.id)
    assert retried.status is DeliveryStatus.PENDING
    (job,) = world.scheduler.jobs
    assert (job.args["attempt"], job.after) == (MAX_ATTEMPTS + 1, timedelta(0))
    world.subscriptions.rows[s.id].is_active = False
    with pytest.raises(SubscriptionInactive):
        await retry(delivery.id)


async def test_create_and_update_check_the_destination() -> None:
    world = World()
    policy = AllowingPolicy("https://10.0.0.1/hook")
    create = CreateSubscription(
        world.subscriptions, policy, world.outbox, world.audit, world.uow, world.clock, world.context
    )
    s = await create(CreateSubscriptionCommand(url=" https://hooks.example.org/a ", event_types=["*"]))
    assert s.url == "https://hooks.example.org/a"
    assert world.outbox.events == [SubscriptionCreated(s.id, True)]
    with pytest.raises(UnsafeDestination) as caught:
        await create(CreateSubscriptionCommand(url="https://10.0.0.1/hook", event_types=["*"]))
    assert caught.value.field == "url"
    update = UpdateSubscription(world.subscriptions, policy, world.outbox, world.audit, world.uow, world.clock)
    with pytest.raises(UnsafeDestination):
        await update(UpdateSubscriptionCommand(subscription_id=s.id, changes={"url": "https://10.0.0.1/hook"}))
    updated = await update(UpdateSubscriptionCommand(subscription_id=s.id, changes={"event_types": ["patient.*"]}))
    assert (updated.event_types, updated.version) == (("patient.*",), 2)
    assert world.audit.events[-1] == ("update", "webhook_subscription", s.id, ("event_types",))
