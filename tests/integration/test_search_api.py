"""``GET /search`` across patients, practitioners, appointments, tickets and communications,
on SQLite and PostgreSQL: grouped by kind, each group only with ``<kind>:read``, tenant-scoped,
audited."""

from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias

from litestar import Litestar
from litestar.testing import AsyncTestClient

API = "/api/v1/prm"
Client: TypeAlias = AsyncTestClient[Litestar]


async def created(client: Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"{API}{path}", json=body)
    assert response.status_code in {200, 201}, response.text
    result: dict[str, Any] = response.json()
    return result


async def a_world(client: Client) -> dict[str, Any]:
    patient = await created(
        client, "/patients", {"name": {"given": ["Zoltan"], "family": "Quixby"}, "phone": "+16174923500"}
    )
    practitioner = await created(client, "/practitioners", {"first_name": "Wilhelmina", "last_name": "Quorra"})
    location = await created(client, "/locations", {"name": "Search clinic", "time_zone": "UTC"})
    await created(
        client,
        "/schedules",
        {
            "practitioner_id": practitioner["id"],
            "location_id": location["id"],
            "slot_minutes": 30,
            "rules": [
                {"weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "08:00", "end": "20:00"}
            ],
            "valid_from": "2020-01-01",
        },
    )
    start = (datetime.now(UTC) + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    appointment = await created(
        client,
        "/appointments",
        {
            "patient_id": patient["id"],
            "practitioner_id": practitioner["id"],
            "location_id": location["id"],
            "start_time": start.isoformat(),
            "end_time": (start + timedelta(minutes=30)).isoformat(),
        },
    )
    ticket = await created(client, "/tickets", {"patient_id": patient["id"], "title": "Refill request"})
    message = await created(
        client,
        "/communications",
        {"patient_id": patient["id"], "channel": "sms", "message": "Your xylophone lesson is confirmed"},
    )
    return {
        "patient": patient,
        "practitioner": practitioner,
        "appointment": appointment,
        "ticket": ticket,
        "message": message,
    }


def group(body: dict[str, Any], kind: str) -> list[str]:
    found = [g for g in body["groups"] if g["kind"] == kind]
    return [h["id"] for h in found[0]["items"]] if found else []


async def test_one_search_finds_every_kind_grouped(client: Client) -> None:
    world = await a_world(client)
    by_name = await client.get(f"{API}/search", params={"q": "quixby"})
    assert by_name.status_code == 200, by_name.text
    body = by_name.json()
    assert [g["kind"] for g in body["groups"]] == [
        "patients",
        "practitioners",
        "appointments",
        "tickets",
        "communications",
    ]
    assert group(body, "patients") == [world["patient"]["id"]]
    assert body["groups"][0]["items"][0]["title"] == "Zoltan Quixby"
    assert group(body, "appointments") == [world["appointment"]["id"]]
    assert group(body, "tickets") == [world["ticket"]["id"]]
    assert group(body, "practitioners") == []

    doctor = (await client.get(f"{API}/search", params={"q": "Quorra"})).json()
    assert group(doctor, "practitioners") == [world["practitioner"]["id"]]
    assert group(doctor, "appointments") == [world["appointment"]["id"]]

    words = (await client.get(f"{API}/search", params={"q": "xylophone", "kinds": "communications"})).json()
    assert [g["kind"] for g in words["groups"]] == ["communications"]
    assert group(words, "communications") == [world["message"]["id"]]

    by_phone = (await client.get(f"{API}/search", params={"q": "617 492 3500", "kinds": ["patients"]})).json()
    assert group(by_phone, "patients") == [world["patient"]["id"]]
    by_title = (await client.get(f"{API}/search", params={"q": "REFILL", "kinds": "tickets"})).json()
    assert group(by_title, "tickets") == [world["ticket"]["id"]]
    by_id = (await client.get(f"{API}/search", params={"q": world["ticket"]["id"]})).json()
    assert group(by_id, "tickets") == [world["ticket"]["id"]]
    assert group(by_id, "patients") == []


async def test_limit_truncates_and_bad_queries_are_422(client: Client) -> None:
    for given in ("Ann", "Anna", "Annie"):
        await created(client, "/patients", {"name": {"given": [given], "family": "Limitson"}})
    body = (await client.get(f"{API}/search", params={"q": "limitson", "limit": 2, "kinds": "patients"})).json()
    assert (len(body["groups"][0]["items"]), body["groups"][0]["truncated"]) == (2, True)
    assert (await client.get(f"{API}/search", params={"q": "a"})).status_code == 422
    assert (await client.get(f"{API}/search", params={"q": "ab", "limit": 0})).status_code == 422
    assert (await client.get(f"{API}/search", params={"q": "ab", "kinds": "planets"})).status_code == 422


async def test_groups_follow_the_callers_permissions(client: Client, client_as: Any) -> None:
    await a_world(client)
    practitioner = await client_as("practitioner")  # no tickets:write, but reads all five
    kinds = [g["kind"] for g in (await practitioner.get(f"{API}/search", params={"q": "quixby"})).json()["groups"]]
    assert kinds == ["patients", "practitioners", "appointments", "tickets", "communications"]
    auditor = await client_as("auditor")  # no communications:read
    kinds = [g["kind"] for g in (await auditor.get(f"{API}/search", params={"q": "quixby"})).json()["groups"]]
    assert "communications" not in kinds
    assert "patients" in kinds


async def test_search_is_audited_and_tenant_scoped(client: Client, other_tenant_client: Client) -> None:
    world = await a_world(client)
    await client.get(f"{API}/search", params={"q": "quixby", "kinds": "patients"})
    events = await client.get(f"{API}/audit/events", params={"entity_id": world["patient"]["id"], "action": "search"})
    assert events.json()["total"] >= 1
    theirs = (await other_tenant_client.get(f"{API}/search", params={"q": "quixby"})).json()
    assert theirs["total"] == 0
    by_id = (await other_tenant_client.get(f"{API}/search", params={"q": world["patient"]["id"]})).json()
    assert by_id["total"] == 0
