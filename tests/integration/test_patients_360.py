"""The patient as a whole over HTTP, on SQLite and PostgreSQL (issue 13): the 360 view and its
counts, the statistics of ``GET /patients/{id}``, conversations, and the timeline (order,
cursor pages without gaps or repeats, the kind filter); other tenants see none of it."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.adapters.sql.engine import make_database
from prm.adapters.sql.postgres import PostgresConnection
from prm.adapters.sql.sqlite import SqliteConnection
from prm.domain.shared.ids import new_id
from prm.settings import Settings
from tests.integration.merge_support import insert, journey_version, row

API = "/api/v1/prm"
PATIENTS = f"{API}/patients"
Client = AsyncTestClient[Litestar]
NOW = datetime.now(UTC).replace(microsecond=0)


async def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def new_patient(client: Client) -> dict[str, Any]:
    body = {"name": {"given": ["Ines"], "family": "Whole"}, "gender": "female", "phone": "+16174923500"}
    return await ok(await client.post(PATIENTS, json=body), 201)  # type: ignore[no-any-return]


def _appointment(
    tenant_id: UUID, pid: UUID, starts: datetime, status: str, cancelled_at: datetime | None = None
) -> dict[str, Any]:
    return row(
        "appointments",
        tenant_id,
        patient_id=pid,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=30),
        status=status,
        created_at=min(starts, NOW) - timedelta(days=3),
        updated_at=starts,
        cancelled_at=cancelled_at,  # every row has the same keys: one executemany
    )


async def add_history(settings: Settings, tenant_id: UUID, patient_id: str, *, scale: int = 1) -> dict[str, Any]:
    """Appointments (3 past visits, a no-show, a cancellation, 7 upcoming, times ``scale``), an
    active journey with 1 of 3 stages done, an SMS thread with 2 unread of 3 messages (one of
    them old), an email opt-out, an SMS opt-out and a later opt-in: straight to the tables."""
    pid = UUID(patient_id)
    database = make_database(settings.database_url)
    async with database.connect(tenant_id) as connection:
        rows: list[dict[str, Any]] = []
        for k in range(scale):
            shift = timedelta(hours=k)
            rows += [_appointment(tenant_id, pid, NOW - timedelta(days=30 + d) - shift, "fulfilled") for d in (1, 2, 3)]
            rows.append(_appointment(tenant_id, pid, NOW - timedelta(days=20) - shift, "noshow"))
            rows.append(
                _appointment(
                    tenant_id, pid, NOW + timedelta(days=40) + shift, "cancelled", cancelled_at=NOW - timedelta(days=1)
                )
            )
            rows += [_appointment(tenant_id, pid, NOW + timedelta(days=d) + shift, "booked") for d in range(1, 8)]
        await insert(connection, "appointments", rows)
        version = await journey_version(connection, tenant_id)
        instance = row(
            "journey_instances",
            tenant_id,
            patient_id=pid,
            status="active",
            started_at=NOW - timedelta(days=10),
            context={},
            **version,
        )
        await insert(connection, "journey_instances", [instance])
        stages = [
            row(
                "journey_stage_instances",
                tenant_id,
                instance_id=instance["id"],
                name=name,
                order_index=i,
                status=status,
                started_at=NOW - timedelta(days=10 - i) if status != "pending" else None,
                completed_at=NOW - timedelta(days=9) if status == "completed" else None,
            )
            for i, (name, status) in enumerate(
                (("Welcome", "completed"), ("Visit", "in_progress"), ("Survey", "pending"))
            )
        ]
        await insert(connection, "journey_stage_instances", stages)
        thread = row(
            "communication_threads",
            tenant_id,
            patient_id=pid,
            channel="sms",
            status="open",
            unread_count=2,
            last_message_at=NOW - timedelta(hours=1),
            candidate_patient_ids=[],
        )
        await insert(connection, "communication_threads", [thread])
        messages = [
            row(
                "communication_messages",
                tenant_id,
                patient_id=pid,
                thread_id=thread["id"],
                direction=direction,
                channel="sms",
                status=status,
                category="transactional",
                created_at=NOW - age,
                id=new_id(),  # UUIDv7 in creation order, as PRM makes them (the list's order)
            )
            for direction, status, age in (
                ("outbound", "delivered", timedelta(days=60)),
                ("inbound", "received", timedelta(hours=2)),
                ("inbound", "received", timedelta(hours=1)),
            )
        ]
        await insert(connection, "communication_messages", messages)
        consents = [
            row(
                "communication_consents",
                tenant_id,
                patient_id=pid,
                channel=channel,
                status="active",
                provision=provision,
                source="staff",
                recorded_at=NOW - timedelta(days=days),
                id=new_id(),
            )
            for channel, provision, days in (("email", "deny", 5), ("sms", "deny", 9), ("sms", "permit", 2))
        ]
        await insert(connection, "communication_consents", consents)  # sms: opted out, then in again
        await connection.commit()
    await database.close()
    return {"instance_id": str(instance["id"]), "thread_id": str(thread["id"])}


async def new_ticket(client: Client, patient_id: str, title: str) -> dict[str, Any]:
    return await ok(await client.post(f"{API}/tickets", json={"patient_id": patient_id, "title": title}), 201)  # type: ignore[no-any-return]


async def test_the_360_view_shows_the_patient_as_a_whole(client: Client, settings: Settings, tenant_id: UUID) -> None:
    patient = await new_patient(client)
    ids = await add_history(settings, tenant_id, patient["id"])
    first = await new_ticket(client, patient["id"], "Call back")
    await new_ticket(client, patient["id"], "Refill")
    resolved = await client.patch(
        f"{API}/tickets/{first['id']}", json={"status": "resolved", "resolution_notes": "done"}
    )
    assert resolved.status_code == 200, resolved.text

    caregiver = await ok(
        await client.post(
            f"{PATIENTS}/{patient['id']}/caregivers", json={"name": {"family": "Whole"}, "relationship": "MTH"}
        ),
        201,
    )
    tag = await ok(await client.post(f"{API}/tags", json={"name": "VIP"}), 201)
    attached = await client.put(f"{API}/tags/{tag['id']}/patients/{patient['id']}")
    assert attached.status_code in (200, 201, 204), attached.text

    view = await ok(await client.get(f"{PATIENTS}/{patient['id']}/360"))

    assert view["patient"]["id"] == patient["id"]
    assert [(c["id"], c["relationship"]) for c in view["caregivers"]] == [(caregiver["id"], "MTH")]
    assert [t["name"] for t in view["tags"]] == ["VIP"]
    assert view["total_appointments"] == 12
    assert view["upcoming_appointments"] == 7
    assert view["no_show_appointments"] == 1
    assert len(view["appointments"]) == 10
    starts = [a["start_time"] for a in view["appointments"]]
    assert starts == sorted(starts, reverse=True)  # the latest first
    assert view["last_visit_date"] is not None
    assert view["last_visit_date"].startswith((NOW - timedelta(days=31)).date().isoformat())
    assert view["next_appointment_date"].startswith((NOW + timedelta(days=1)).date().isoformat())
    assert view["active_journeys"] == 1
    [journey] = view["journeys"]
    assert (journey["id"], journey["stages_done"], journey["stages_total"]) == (ids["instance_id"], 1, 3)
    assert journey["current_stage"] == "Visit"
    assert journey["progress"] == pytest.approx(1 / 3, abs=1e-3)
    assert view["open_tickets"] == 1
    assert {t["title"] for t in view["tickets"]} == {"Call back", "Refill"}
    assert view["recent_communications"] == 2  # the 60-day-old one is not recent
    assert [m["direction"] for m in view["communications"]] == ["inbound", "inbound", "outbound"]
    assert all("body" not in m for m in view["communications"])
    channels = {c["channel"]: c for c in view["channels"]}
    assert channels["sms"]["unread_count"] == 2
    assert channels["sms"]["thread_id"] == ids["thread_id"]
    assert channels["email"]["consent"] == "opted_out"
    assert channels["sms"]["consent"] == "permitted"  # the latest record counts
    assert channels["whatsapp"] == {
        "channel": "whatsapp",
        "consent": "none",
        "thread_id": None,
        "unread_count": 0,
        "last_message_at": None,
    }
    assert view["unread_messages"] == 2
    assert view["statistics"]["total_appointments"] == 12

    events = await ok(await client.get(f"{API}/audit/events", params={"entity_id": patient["id"], "action": "read"}))
    assert events["total"] >= 1


async def test_get_patient_carries_the_same_statistics(client: Client, settings: Settings, tenant_id: UUID) -> None:
    patient = await new_patient(client)
    await add_history(settings, tenant_id, patient["id"])
    await new_ticket(client, patient["id"], "Call back")
    detail = await client.get(f"{PATIENTS}/{patient['id']}")
    assert detail.status_code == 200
    assert detail.headers["etag"]
    stats = detail.json()["statistics"]
    view = await ok(await client.get(f"{PATIENTS}/{patient['id']}/360"))
    assert stats == view["statistics"]
    assert (stats["total_appointments"], stats["open_tickets"], stats["active_journeys"]) == (12, 1, 1)
    # Lists stay lean: no statistics per patient.
    listed = await ok(await client.get(PATIENTS, params={"search": "Whole"}))
    assert all("statistics" not in p for p in listed["items"])


async def test_a_new_patient_has_empty_statistics(client: Client) -> None:
    patient = await new_patient(client)
    view = await ok(await client.get(f"{PATIENTS}/{patient['id']}/360"))
    assert (view["appointments"], view["journeys"], view["tickets"], view["communications"]) == ([], [], [], [])
    assert view["total_appointments"] == view["open_tickets"] == view["recent_communications"] == 0
    assert (view["last_visit_date"], view["next_appointment_date"]) == (None, None)
    assert [c["channel"] for c in view["channels"]] == ["sms", "whatsapp", "email"]
    assert (view["caregivers"], view["tags"]) == ([], [])


async def test_conversations_list_the_patients_threads(client: Client, settings: Settings, tenant_id: UUID) -> None:
    patient = await new_patient(client)
    ids = await add_history(settings, tenant_id, patient["id"])
    page = await ok(await client.get(f"{PATIENTS}/{patient['id']}/conversations"))
    assert page["total"] == 1
    [thread] = page["items"]
    assert (thread["id"], thread["channel"], thread["unread_count"]) == (ids["thread_id"], "sms", 2)
    assert thread["last_message_at"]
    other = await new_patient(client)
    assert (await ok(await client.get(f"{PATIENTS}/{other['id']}/conversations")))["items"] == []


async def _walk(client: Client, patient_id: str, limit: int, **params: Any) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    cursor = None
    for _ in range(200):
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        page = await ok(await client.get(f"{PATIENTS}/{patient_id}/timeline", params=query))
        assert len(page["items"]) <= limit
        entries += page["items"]
        if not page["has_next"]:
            assert page["next_cursor"] is None
            return entries
        cursor = page["next_cursor"]
        assert cursor == page["items"][-1]["cursor"]
    raise AssertionError("the timeline did not end")


def _key(entry: dict[str, Any]) -> tuple[datetime, str, UUID]:
    return (datetime.fromisoformat(entry["at"]), entry["event"], UUID(entry["id"]))


async def test_timeline_is_newest_first_and_pages_without_gaps_or_repeats(
    client: Client, settings: Settings, tenant_id: UUID
) -> None:
    patient = await new_patient(client)
    await add_history(settings, tenant_id, patient["id"])
    ticket = await new_ticket(client, patient["id"], "Call back")
    await ok(await client.patch(f"{API}/tickets/{ticket['id']}", json={"status": "in_progress"}))

    everything = await _walk(client, patient["id"], 100)
    keys = [_key(e) for e in everything]
    assert keys == sorted(keys, reverse=True)
    assert len(set(keys)) == len(keys)
    events = [e["event"] for e in everything]
    # 3 fulfilled, 1 no-show, 1 cancelled, 8 booked before they started; journey start and stages; messages; ticket
    assert events.count("appointment.fulfilled") == 3
    assert events.count("appointment.noshow") == 1
    assert events.count("appointment.cancelled") == 1
    assert events.count("appointment.booked") == 12
    assert events.count("journey.started") == 1
    assert events.count("journey.stage_started") == 2
    assert events.count("journey.stage_finished") == 1
    assert (events.count("message.inbound"), events.count("message.outbound")) == (2, 1)
    assert events.count("ticket.opened") == 1
    changed = [e for e in everything if e["event"] == "ticket.status_changed"]
    assert [(c["details"]["from"], c["details"]["to"], c["ref_id"]) for c in changed] == [
        ("open", "in_progress", ticket["id"])
    ]

    for limit in (1, 3, 7):
        assert [_key(e) for e in await _walk(client, patient["id"], limit)] == keys

    only = await _walk(client, patient["id"], 4, kind=["message", "ticket"])
    assert {e["kind"] for e in only} == {"message", "ticket"}
    assert [_key(e) for e in only] == [_key(e) for e in everything if e["kind"] in {"message", "ticket"}]


async def test_timeline_shows_merges(client: Client) -> None:
    source = await new_patient(client)
    target = await new_patient(client)
    await ok(
        await client.post(
            f"{PATIENTS}/merge", json={"source_patient_id": source["id"], "target_patient_id": target["id"]}
        ),
        201,
    )
    page = await ok(await client.get(f"{PATIENTS}/{target['id']}/timeline", params={"kind": "merge"}))
    [merged] = page["items"]
    assert (merged["event"], merged["ref_id"], merged["details"]["role"]) == ("patient.merged", source["id"], "target")
    moved = await client.get(f"{PATIENTS}/{source['id']}/360", follow_redirects=False)
    assert moved.status_code == 307
    assert moved.headers["location"].endswith(f"/patients/{target['id']}/360")


async def test_bad_cursors_and_limits_are_422(client: Client) -> None:
    patient = await new_patient(client)
    for params in ({"cursor": "not-a-cursor"}, {"limit": 0}, {"limit": 101}, {"kind": "gossip"}):
        response = await client.get(f"{PATIENTS}/{patient['id']}/timeline", params=params)
        assert response.status_code == 422, (params, response.text)


async def test_other_tenants_see_nothing(client: Client, other_tenant_client: Client) -> None:
    patient = await new_patient(client)
    for path in ("360", "timeline", "conversations"):
        response = await other_tenant_client.get(f"{PATIENTS}/{patient['id']}/{path}")
        assert (response.status_code, response.json()["code"]) == (404, "patients.not_found"), path
    unknown = await client.get(f"{PATIENTS}/{uuid4()}/360")
    assert unknown.status_code == 404


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every statement the SQL adapters run (through the executor port, on either database)."""
    seen: list[str] = []
    for connection_class in (PostgresConnection, SqliteConnection):
        original = connection_class.execute

        async def execute(self: Any, statement: Any, parameters: Any = None, _original: Any = original) -> Any:
            seen.append(type(statement).__name__)
            return await _original(self, statement, parameters)

        monkeypatch.setattr(connection_class, "execute", execute)
    return seen


async def test_the_360_view_runs_as_many_statements_for_a_long_history(
    client: Client, settings: Settings, tenant_id: UUID, statements: list[str]
) -> None:
    small = await new_patient(client)
    large = await new_patient(client)
    await add_history(settings, tenant_id, small["id"])
    await add_history(settings, tenant_id, large["id"], scale=20)
    for _ in range(12):
        await new_ticket(client, large["id"], "Another")
    counts = []
    for patient in (small, large):
        statements.clear()
        await ok(await client.get(f"{PATIENTS}/{patient['id']}/360"))
        counts.append(len(statements))
    # The same statements; a full page of tickets adds its count (one more), whatever the history.
    assert counts[0] <= counts[1] <= counts[0] + 3, counts
    assert counts[1] <= 20, counts
