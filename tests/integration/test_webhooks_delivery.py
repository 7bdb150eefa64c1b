"""Fan-out and delivery on SQLite and PostgreSQL, to a real receiver on loopback that verifies the
Standard Webhooks signatures: retries after a 500, one ``webhook-id`` per delivery, disabling
after a run of failed deliveries (with its audit event), and the address check at sending time.

The relay and the job engine are not run here: the handlers are resolved from a container scope
(the tenant's, with the system principal, as the worker does) and called directly, and the jobs
they schedule are recorded by a fake scheduler.
"""

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias
from uuid import UUID, uuid4

import psycopg
import pytest
from dishka import Provider, Scope, provide
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.application.shared.events import PublishedEvent
from prm.application.shared.jobs import JobScheduler
from prm.application.webhooks.deliver_webhook import DeliverWebhook
from prm.application.webhooks.fan_out_to_webhooks import FanOutToWebhooks
from prm.domain.shared.ids import TenantId, new_id
from prm.domain.webhooks.delivery import MAX_ATTEMPTS, RETRY_SCHEDULE
from prm.domain.webhooks.model import FAILURES_BEFORE_DISABLING
from prm.entrypoints.library import Prm
from prm.settings import Settings
from tests.databases import _libpq
from tests.fakes import FakeJobScheduler
from tests.unit.webhooks.receiver import Receiver, webhook_receiver

API = "/api/v1/prm"
Client: TypeAlias = AsyncTestClient[Litestar]


class RecordedJobs(Provider):
    def __init__(self, scheduler: FakeJobScheduler) -> None:
        super().__init__()
        self._scheduler = scheduler

    @provide(scope=Scope.REQUEST, override=True)
    def jobs(self) -> JobScheduler:
        return self._scheduler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as running:
        yield running


@pytest.fixture
def jobs() -> FakeJobScheduler:
    return FakeJobScheduler()


@pytest.fixture
async def prm(settings: Settings, tenant_id: UUID, client: Client, jobs: FakeJobScheduler) -> AsyncIterator[Prm]:
    """The library on the test's tenant (created by ``client``), as the worker runs handlers."""
    async with Prm.open(settings, tenant_id=tenant_id, providers=(RecordedJobs(jobs),)) as opened:
        yield opened


def event(tenant_id: UUID, type_: str = "appointment.booked") -> PublishedEvent:
    appointment = uuid4()
    return PublishedEvent(
        id=new_id(),
        tenant_id=TenantId(tenant_id),
        type=type_,
        version=1,
        aggregate_id=appointment,
        occurred_at=datetime.now(UTC) - timedelta(seconds=1),
        payload={"appointment_id": str(appointment), "starts_at": "2026-03-11T09:00:00Z"},
    )


async def subscribe(client: Client, url: str, *patterns: str) -> dict[str, Any]:
    response = await client.post(
        f"{API}/webhooks/subscriptions", json={"url": url, "event_types": list(patterns or ["appointment.*"])}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def fan_out(prm: Prm, published: PublishedEvent) -> None:
    async with prm.unit() as scope:
        await (await scope.get(FanOutToWebhooks))(published)


async def deliver(prm: Prm, delivery_id: str, attempt: int) -> None:
    async with prm.unit() as scope:
        await (await scope.get(DeliverWebhook))({"delivery_id": delivery_id, "attempt": attempt})


async def test_a_500_is_retried_with_the_same_message_until_it_succeeds(
    client: Client, prm: Prm, tenant_id: UUID, receiver: Receiver, jobs: FakeJobScheduler
) -> None:
    subscription = await subscribe(client, receiver.url)
    other = await subscribe(client, receiver.url, "patient.*")
    published = event(tenant_id)
    await fan_out(prm, published)
    await fan_out(prm, published)  # delivered again by the relay: no second delivery
    (job,) = jobs.jobs
    delivery_id = job.args["delivery_id"]
    assert (job.task, job.args["attempt"], job.key) == ("webhooks.deliver", 1, delivery_id)

    receiver.answer(500, 200)
    jobs.jobs.clear()
    await deliver(prm, delivery_id, 1)
    (retry,) = jobs.jobs
    assert retry.args == {"delivery_id": delivery_id, "attempt": 2}
    assert retry.after is not None
    assert timedelta(0) <= retry.after <= RETRY_SCHEDULE[0]
    log = (await client.get(f"{API}/webhooks/subscriptions/{subscription['id']}/deliveries")).json()["items"]
    assert [(d["status"], d["attempt"], d["status_code"], d["error"]) for d in log] == [
        ("pending", 1, 500, "answered HTTP 500")
    ]
    assert log[0]["next_attempt_at"] is not None

    jobs.jobs.clear()
    await deliver(prm, delivery_id, 2)
    await deliver(prm, delivery_id, 2)  # the job ran twice: the attempt is made once
    assert jobs.jobs == []
    log = (await client.get(f"{API}/webhooks/subscriptions/{subscription['id']}/deliveries")).json()["items"]
    assert [(d["status"], d["attempt"], d["status_code"], d["next_attempt_at"]) for d in log] == [
        ("succeeded", 2, 200, None)
    ]
    assert (await client.get(f"{API}/webhooks/subscriptions/{other['id']}/deliveries")).json()["items"] == []

    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == f"msg_{delivery_id}"
    assert first.body == second.body
    message = second.verify(subscription["secret"])
    assert message == {
        "type": "appointment.booked",
        "timestamp": published.occurred_at.isoformat().replace("+00:00", "Z"),
        "data": {
            "id": str(published.id),
            "version": 1,
            "aggregate_id": str(published.aggregate_id),
            "occurred_at": published.occurred_at.isoformat().replace("+00:00", "Z"),
            "tenant_id": str(tenant_id),
            "payload": dict(published.payload),
        },
    }
    assert first.verify(subscription["secret"]) == message
    assert list(message) == ["type", "timestamp", "data"]  # as sent, whatever the database


async def test_a_run_of_failed_deliveries_disables_the_subscription_with_an_audit_event(
    client: Client, prm: Prm, tenant_id: UUID, receiver: Receiver, jobs: FakeJobScheduler
) -> None:
    subscription = await subscribe(client, receiver.url, "*")
    receiver.answer(500)
    for _ in range(FAILURES_BEFORE_DISABLING):
        jobs.jobs.clear()
        await fan_out(prm, event(tenant_id))
        (job,) = jobs.jobs
        for attempt in range(1, MAX_ATTEMPTS + 1):
            await deliver(prm, job.args["delivery_id"], attempt)
    assert len(receiver.received) == FAILURES_BEFORE_DISABLING * MAX_ATTEMPTS

    disabled = (await client.get(f"{API}/webhooks/subscriptions/{subscription['id']}")).json()
    assert (disabled["is_active"], disabled["disabled_reason"], disabled["consecutive_failures"]) == (
        False,
        "consecutive_failures",
        FAILURES_BEFORE_DISABLING,
    )
    audit = await client.get(
        f"{API}/audit/events", params={"entity_id": subscription["id"], "action": "update", "page_size": 100}
    )
    assert audit.status_code == 200, audit.text
    (event_,) = audit.json()["items"]
    assert (event_["actor_type"], event_["entity_type"], event_["changed_fields"]) == (
        "system",
        "webhook_subscription",
        ["is_active"],
    )
    log = (await client.get(f"{API}/webhooks/subscriptions/{subscription['id']}/deliveries")).json()
    assert {(d["status"], d["attempt"]) for d in log["items"]} == {("failed", MAX_ATTEMPTS)}

    jobs.jobs.clear()
    await fan_out(prm, event(tenant_id))
    assert jobs.jobs == []  # disabled: no more deliveries
    enabled = await client.patch(f"{API}/webhooks/subscriptions/{subscription['id']}", json={"is_active": True})
    assert (enabled.json()["is_active"], enabled.json()["consecutive_failures"]) == (True, 0)


async def test_an_address_that_became_private_fails_the_attempt_without_connecting(
    client: Client, settings: Settings, tenant_id: UUID, receiver: Receiver, jobs: FakeJobScheduler
) -> None:
    subscription = await subscribe(client, receiver.url)
    strict = Settings(database_url=settings.database_url, env="test", webhook_allow_private=False, log_level="warning")
    async with Prm.open(strict, tenant_id=tenant_id, providers=(RecordedJobs(jobs),)) as prm:
        await fan_out(prm, event(tenant_id))
        (job,) = jobs.jobs
        await deliver(prm, job.args["delivery_id"], 1)
    assert receiver.received == []
    (delivery,) = (await client.get(f"{API}/webhooks/subscriptions/{subscription['id']}/deliveries")).json()["items"]
    assert (delivery["status"], delivery["status_code"], delivery["attempt"]) == ("pending", None, 1)
    assert delivery["error"].startswith("not sent: url must not lead to a private")


async def test_no_transaction_is_open_while_the_request_is_in_flight(
    client: Client, prm: Prm, settings: Settings, tenant_id: UUID, receiver: Receiver, jobs: FakeJobScheduler
) -> None:
    """A slow receiver must not hold a transaction (its locks and snapshot) open in PRM's database:
    the receiver looks, while it is being called, for a connection idle in a transaction that
    read the subscription."""
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("pg_stat_activity is PostgreSQL's; SQLite's readers hold no locks in WAL mode")
    seen: list[int] = []

    def look() -> None:
        with psycopg.connect(_libpq(settings.database_url), autocommit=True) as connection:
            row = connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND state LIKE 'idle in transaction%' AND query ILIKE '%webhook_subscriptions%'"
            ).fetchone()
            seen.append(row[0] if row else -1)

    receiver.on_request = look
    await subscribe(client, receiver.url)
    await fan_out(prm, event(tenant_id))
    (job,) = jobs.jobs
    await deliver(prm, job.args["delivery_id"], 1)
    assert seen == [0]
