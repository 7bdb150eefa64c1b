"""The Communications API end to end on SQLite and PostgreSQL: create (with the patient's
address by default, scheduled or queued), the 422s naming fields, status changes, delete,
statistics, full-text search and tenant isolation."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from tests.integration.messages_support import API, Client, a_message, a_patient


async def test_create_uses_the_patients_phone_and_queues_it(client: Client) -> None:
    patient = await a_patient(client)
    created = await a_message(client, patient["id"])
    assert (created["status"], created["recipient"], created["direction"], created["channel"]) == (
        "queued",
        "+16174923500",
        "outbound",
        "sms",
    )
    assert (created["message"], created["attempts"], created["version"]) == ("Your appointment is tomorrow", 0, 1)
    assert created["queued_at"] is not None
    email = await a_message(client, patient["id"], channel="email", subject="Hello", message="Dear Ada")
    assert (email["recipient"], email["subject"]) == ("ada@example.org", "Hello")

    fetched = await client.get(f"{API}/{created['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == created
    assert fetched.headers["etag"] == 'W/"1"'
    listed = (await client.get(API, params={"patient_id": patient["id"], "channel": "sms"})).json()
    assert [m["id"] for m in listed["items"]] == [created["id"]]
    assert {"items", "total", "page", "page_size", "has_next", "has_previous"} <= set(listed)


async def test_a_future_scheduled_for_schedules_it_and_it_can_be_cancelled(client: Client) -> None:
    patient = await a_patient(client)
    at = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    created = await a_message(client, patient["id"], scheduled_for=at.isoformat())
    assert (created["status"], created["scheduled_for"]) == ("scheduled", at.isoformat().replace("+00:00", "Z"))
    cancelled = await client.patch(f"{API}/{created['id']}", json={"status": "cancelled"})
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["status"], cancelled.json()["version"]) == ("cancelled", 2)
    assert cancelled.json()["cancelled_at"] is not None
    refused = await client.patch(f"{API}/{created['id']}", json={"status": "delivered"})
    assert (refused.status_code, refused.json()["code"]) == (409, "communications.transition_not_allowed")
    stale = await client.patch(f"{API}/{created['id']}", json={"status": "cancelled"}, headers={"If-Match": 'W/"1"'})
    assert stale.status_code == 409


async def test_bad_input_is_a_422_naming_the_field(client: Client) -> None:
    patient = await a_patient(client)
    no_email = await a_patient(client, email=None)
    cases: list[tuple[dict[str, object], str]] = [
        ({"recipient": "12"}, "recipient"),
        ({"channel": "email", "recipient": "nope@"}, "recipient"),
        ({"message": "x" * 1601}, "message"),
        ({"channel": "whatsapp", "message": "x" * 4097}, "message"),
        ({"message": None}, "message"),
        ({"template_name": "appointment_reminder"}, "message"),  # both message and a template
    ]
    for fields, field in cases:
        body: dict[str, object] = {"patient_id": patient["id"], "channel": "sms", "message": "Hi"}
        response = await client.post(API, json={**body, **fields})
        assert response.status_code == 422, (fields, response.text)
        assert [e["loc"][-1] for e in response.json()["errors"]] == [field], fields
    missing = await client.post(API, json={"patient_id": no_email["id"], "channel": "email", "message": "Hi"})
    assert (missing.status_code, missing.json()["errors"][0]["loc"][-1]) == (422, "recipient")
    unknown = await client.post(API, json={"patient_id": str(uuid4()), "channel": "sms", "message": "Hi"})
    assert unknown.status_code == 404
    naive = await client.post(
        API, json={"patient_id": patient["id"], "channel": "sms", "message": "Hi", "scheduled_for": "2030-01-01T08:00"}
    )
    assert naive.status_code in (400, 422)
    other = await client.post(
        API, json={"patient_id": patient["id"], "channel": "sms", "message": "Hi", "tenant_id": str(uuid4())}
    )
    assert other.status_code == 403


async def test_an_inactive_patient_is_blocked_with_the_reason(client: Client) -> None:
    patient = await a_patient(client)
    assert (await client.delete(f"/api/v1/prm/patients/{patient['id']}")).status_code in (200, 204)
    created = await a_message(client, patient["id"])
    assert (created["status"], created["status_reason"]) == ("blocked", "patient_inactive")


async def test_delete_removes_it_for_good(client: Client) -> None:
    created = await a_message(client, None, recipient="+16174923500")
    assert (await client.get(f"{API}/{created['id']}")).status_code == 200
    assert (await client.delete(f"{API}/{created['id']}")).status_code == 204
    assert (await client.get(f"{API}/{created['id']}")).status_code == 404
    assert (await client.delete(f"{API}/{created['id']}")).status_code == 404
    audit = await client.get("/api/v1/prm/audit/events", params={"entity_id": created["id"], "page_size": 100})
    assert {e["action"] for e in audit.json()["items"]} >= {"create", "read", "delete"}


async def test_stats_count_by_channel_and_status(client: Client) -> None:
    patient = await a_patient(client)
    await a_message(client, patient["id"])
    await a_message(client, patient["id"], channel="email", message="Dear Ada")
    cancelled = await a_message(
        client, patient["id"], scheduled_for=(datetime.now(UTC) + timedelta(days=1)).isoformat()
    )
    await client.patch(f"{API}/{cancelled['id']}", json={"status": "cancelled"})
    stats = await client.get(f"{API}/stats")
    assert stats.status_code == 200, stats.text
    body = stats.json()
    assert set(body) == {
        "total", "by_channel", "by_status", "sent", "pending", "failed", "delivery_rate", "reply_rate"
    }  # fmt: skip
    assert (body["total"], body["sent"], body["pending"], body["failed"]) == (3, 0, 2, 0)
    assert body["by_channel"] == {"sms": 2, "whatsapp": 0, "email": 1}
    assert (body["by_status"]["queued"], body["by_status"]["cancelled"]) == (2, 1)
    assert (body["delivery_rate"], body["reply_rate"]) == (0.0, 0.0)
    later = await client.get(f"{API}/stats", params={"date_from": (datetime.now(UTC) + timedelta(hours=1)).isoformat()})
    assert later.json()["total"] == 0
    backwards = await client.get(
        f"{API}/stats", params={"date_from": "2030-01-02T00:00:00Z", "date_to": "2030-01-01T00:00:00Z"}
    )
    assert backwards.status_code == 422


async def test_search_finds_words_in_bodies_and_subjects_with_filters(client: Client) -> None:
    patient = await a_patient(client)
    other = await a_patient(client)
    sms = await a_message(client, patient["id"], message="Bring your insulin pen to the clinic")
    email = await a_message(client, patient["id"], channel="email", subject="Insulin review", message="See you soon")
    await a_message(client, other["id"], message="Remember your INSULIN")
    await a_message(client, patient["id"], message="Nothing about that")

    def ids(response: object) -> list[str]:
        return [m["id"] for m in response.json()["items"]]  # type: ignore[attr-defined]

    found = await client.get(f"{API}/search", params={"query": "insulin", "patient_id": patient["id"]})
    assert found.status_code == 200, found.text
    assert ids(found) == [email["id"], sms["id"]]  # newest first
    assert ids(await client.get(f"{API}/search", params={"query": "insulin pen"})) == [sms["id"]]
    by_channel = await client.get(f"{API}/search", params={"query": "Insulin", "channel": "email"})
    assert ids(by_channel) == [email["id"]]
    assert len(ids(await client.get(f"{API}/search", params={"query": "insulin"}))) == 3
    assert ids(await client.get(f"{API}/search", params={"query": 'insulin" OR "x'})) == []  # no query syntax
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert ids(await client.get(f"{API}/search", params={"query": "insulin", "date_from": future})) == []
    short = await client.get(f"{API}/search", params={"query": "i"})
    assert (short.status_code, short.json()["errors"][0]["loc"][-1]) == (422, "query")
    paged = (await client.get(f"{API}/search", params={"query": "insulin", "page_size": 2})).json()
    assert (paged["total"], paged["has_next"], len(paged["items"])) == (3, True, 2)


async def test_another_tenant_sees_nothing(client: Client, other_tenant_client: Client) -> None:
    patient = await a_patient(client)
    created = await a_message(client, patient["id"], message="Private words")
    assert (await other_tenant_client.get(f"{API}/{created['id']}")).status_code == 404
    assert (await other_tenant_client.patch(f"{API}/{created['id']}/read")).status_code == 404
    assert (await other_tenant_client.get(API)).json()["items"] == []
    assert (await other_tenant_client.get(f"{API}/search", params={"query": "private"})).json()["items"] == []
    assert (await other_tenant_client.get(f"{API}/stats")).json()["total"] == 0
    cross = await other_tenant_client.post(API, json={"patient_id": patient["id"], "channel": "sms", "message": "x"})
    assert cross.status_code == 404


async def test_a_template_renders_in_the_patients_language_or_is_a_422_naming_template_vars(client: Client) -> None:
    patient = await a_patient(client)
    variables = {
        "clinic_name": "Riverside Clinic",
        "appointment_date": "Tuesday 10 March",
        "appointment_time": "09:30",
        "practitioner_name": "Dr Grace Hopper",
    }
    created = await a_message(
        client, patient["id"], message=None, template_name="appointment_reminder", template_vars=variables
    )
    assert (created["template_name"], created["template_language"], created["status"]) == (
        "appointment_reminder",
        "en",
        "queued",
    )
    assert "Ada" in created["message"]  # patient_name from the patient's record
    assert "09:30" in created["message"]
    missing = await client.post(
        API,
        json={
            "patient_id": patient["id"],
            "channel": "sms",
            "template_name": "appointment_reminder",
            "template_vars": {"clinic_name": "Riverside Clinic"},
        },
    )
    assert (missing.status_code, missing.json()["errors"][0]["loc"][-1]) == (422, "template_vars")
    unknown = await client.post(
        API, json={"patient_id": patient["id"], "channel": "sms", "template_name": "no_such_template"}
    )
    assert (unknown.status_code, unknown.json()["errors"][0]["loc"][-1]) == (422, "template_name")
