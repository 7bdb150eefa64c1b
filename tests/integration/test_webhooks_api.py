"""The webhooks API end to end on SQLite and PostgreSQL: subscriptions, secrets, pings to a real
receiver on loopback, the delivery log, permissions and tenant isolation."""

from typing import Any, TypeAlias
from uuid import uuid4

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.unit.webhooks.receiver import Receiver, webhook_receiver

API = "/api/v1/prm/webhooks"
Client: TypeAlias = AsyncTestClient[Litestar]


@pytest.fixture
def receiver() -> Any:
    with webhook_receiver() as running:
        yield running


async def subscribe(client: Client, url: str, **fields: Any) -> dict[str, Any]:
    response = await client.post(f"{API}/subscriptions", json={"url": url, "event_types": ["appointment.*"], **fields})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_create_answers_the_secret_once_and_never_again(client: Client, receiver: Receiver) -> None:
    created = await subscribe(client, receiver.url, description="Front desk board", event_types=["appointment.*", "*"])
    assert created["secret"].startswith("whsec_")
    assert (created["url"], created["event_types"], created["is_active"]) == (
        receiver.url,
        ["appointment.*", "*"],
        True,
    )
    assert (created["version"], created["consecutive_failures"], created["disabled_at"]) == (1, 0, None)
    fetched = await client.get(f"{API}/subscriptions/{created['id']}")
    listed = await client.get(f"{API}/subscriptions", params={"page_size": 100})
    assert fetched.status_code == listed.status_code == 200
    assert fetched.headers["etag"] == 'W/"1"'
    assert fetched.json() == {k: v for k, v in created.items() if k != "secret"}
    assert created["id"] in [s["id"] for s in listed.json()["items"]]
    assert {"items", "total", "page", "page_size", "has_next", "has_previous"} <= set(listed.json())
    for response in (fetched, listed):
        assert "secret" not in response.text
        assert created["secret"] not in response.text


async def test_a_rotated_secret_is_answered_once_and_signs_with_the_old_one_meanwhile(
    client: Client, receiver: Receiver
) -> None:
    created = await subscribe(client, receiver.url)
    rotated = await client.post(f"{API}/subscriptions/{created['id']}/rotate-secret")
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    assert new.startswith("whsec_")
    assert new != created["secret"]
    assert rotated.json()["previous_secret_expires_at"] is not None
    assert new not in (await client.get(f"{API}/subscriptions/{created['id']}")).text
    ping = await client.post(f"{API}/subscriptions/{created['id']}/ping")
    assert ping.json()["status"] == "succeeded"
    (got,) = receiver.received
    assert got.verify(new)["type"] == "webhook.ping"
    assert got.verify(created["secret"])["type"] == "webhook.ping"


async def test_a_ping_is_signed_and_answers_its_delivery(client: Client, receiver: Receiver) -> None:
    created = await subscribe(client, receiver.url)
    receiver.answer(503, 200)
    failed = await client.post(f"{API}/subscriptions/{created['id']}/ping")
    assert failed.status_code == 200, failed.text
    body = failed.json()
    assert (body["status"], body["status_code"], body["error"], body["attempt"]) == (
        "failed",
        503,
        "answered HTTP 503",
        1,
    )
    assert body["duration_ms"] >= 0
    assert body["next_attempt_at"] is None
    ok = (await client.post(f"{API}/subscriptions/{created['id']}/ping")).json()
    assert (ok["status"], ok["status_code"], ok["error"]) == ("succeeded", 200, None)
    first, second = receiver.received
    message = first.verify(created["secret"])
    assert message["type"] == "webhook.ping"
    assert message["data"]["aggregate_id"] == created["id"]
    assert message["data"]["payload"] == {"subscription_id": created["id"]}
    assert first.headers["webhook-id"] == body["message_id"] == f"msg_{body['id']}"
    assert second.headers["webhook-id"] != first.headers["webhook-id"]

    log = await client.get(f"{API}/subscriptions/{created['id']}/deliveries")
    assert log.status_code == 200
    items = log.json()["items"]
    assert [d["id"] for d in items] == [ok["id"], body["id"]]  # newest first
    assert set(items[0]) >= {
        "created_at",
        "event_id",
        "event_type",
        "attempt",
        "status_code",
        "duration_ms",
        "error",
        "next_attempt_at",
    }
    detail = (await client.get(f"{API}/deliveries/{body['id']}")).json()
    assert [(a["number"], a["status_code"]) for a in detail["attempts"]] == [(1, 503)]


async def test_a_retry_schedules_an_attempt_now(client: Client, receiver: Receiver) -> None:
    created = await subscribe(client, receiver.url)
    receiver.answer(500)
    failed = (await client.post(f"{API}/subscriptions/{created['id']}/ping")).json()
    retried = await client.post(f"{API}/deliveries/{failed['id']}/retry")
    assert retried.status_code == 202, retried.text
    assert (retried.json()["status"], retried.json()["attempt"]) == ("pending", 1)
    assert retried.json()["next_attempt_at"] is not None
    await client.patch(f"{API}/subscriptions/{created['id']}", json={"is_active": False})
    refused = await client.post(f"{API}/deliveries/{failed['id']}/retry")
    assert (refused.status_code, refused.json()["code"]) == (409, "webhooks.subscription_inactive")


async def test_update_and_delete(client: Client, receiver: Receiver) -> None:
    created = await subscribe(client, receiver.url)
    path = f"{API}/subscriptions/{created['id']}"
    updated = await client.patch(path, json={"event_types": ["patient.*"], "description": "Patients only"})
    assert updated.status_code == 200, updated.text
    assert (updated.json()["event_types"], updated.json()["description"], updated.json()["version"]) == (
        ["patient.*"],
        "Patients only",
        2,
    )
    stale = await client.patch(path, json={"is_active": False}, headers={"If-Match": 'W/"1"'})
    assert stale.status_code == 409
    assert (await client.delete(path)).status_code == 204
    assert (await client.get(path)).status_code == 404
    assert (await client.get(f"{path}/deliveries")).status_code == 404


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"url": "ftp://example.org/x", "event_types": ["*"]}, ["body", "url"]),
        ({"url": "not a url", "event_types": ["*"]}, ["body", "url"]),
        ({"url": "https://example.org/x", "event_types": []}, ["body", "event_types"]),
        ({"url": "https://example.org/x", "event_types": ["Appointment.Booked"]}, ["body", "event_types", 0]),
        ({"url": "https://example.org/x", "event_types": ["*"], "secret": "whsec_mine"}, ["body", "secret"]),
    ],
)
async def test_bad_input_is_422_naming_the_field(client: Client, body: dict[str, Any], loc: list[Any]) -> None:
    response = await client.post(f"{API}/subscriptions", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == loc


async def test_webhooks_need_their_permissions(
    client: Client, client_as: Any, api_key_client: Any, receiver: Receiver
) -> None:
    created = await subscribe(client, receiver.url)
    front_desk = await client_as("front_desk")
    assert (await front_desk.get(f"{API}/subscriptions")).status_code == 403
    reader = await api_key_client("webhooks:read")
    assert (await reader.get(f"{API}/subscriptions/{created['id']}")).status_code == 200
    assert (await reader.get(f"{API}/subscriptions/{created['id']}/deliveries")).status_code == 200
    assert (await reader.post(f"{API}/subscriptions/{created['id']}/ping")).status_code == 403
    assert (
        await reader.post(f"{API}/subscriptions", json={"url": receiver.url, "event_types": ["*"]})
    ).status_code == 403
    writer = await api_key_client("webhooks:write")
    assert (await writer.post(f"{API}/subscriptions/{created['id']}/ping")).status_code == 200
    assert receiver.received


async def test_another_tenants_subscriptions_and_deliveries_are_404(
    client: Client, other_tenant_client: Client, receiver: Receiver
) -> None:
    created = await subscribe(client, receiver.url)
    delivery = (await client.post(f"{API}/subscriptions/{created['id']}/ping")).json()
    path = f"{API}/subscriptions/{created['id']}"
    for method, url in [
        ("GET", path),
        ("PATCH", path),
        ("DELETE", path),
        ("POST", f"{path}/ping"),
        ("POST", f"{path}/rotate-secret"),
        ("GET", f"{path}/deliveries"),
        ("GET", f"{API}/deliveries/{delivery['id']}"),
        ("POST", f"{API}/deliveries/{delivery['id']}/retry"),
    ]:
        response = await other_tenant_client.request(method, url, json={} if method == "PATCH" else None)
        assert response.status_code == 404, (method, url, response.text)
    listed = await other_tenant_client.get(f"{API}/subscriptions")
    assert created["id"] not in listed.text
    assert len(receiver.received) == 1
    assert (await client.get(path)).status_code == 200
    assert (await client.get(f"{API}/subscriptions/{uuid4()}")).json()["code"] == "webhooks.subscription_not_found"
