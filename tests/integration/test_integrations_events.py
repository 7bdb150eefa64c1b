"""Inbound integration events end to end, on SQLite and on PostgreSQL: receiving (single and
bulk), replays, validation, permissions, the rate limit, tenant isolation and processing by
the job handlers."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeAlias
from uuid import UUID, uuid4

from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.entrypoints.http.app import create_app
from prm.settings import Settings
from tests.auth import CheapHashing, PerTestLoginThrottle, create_api_key
from tests.integration.integrations_support import (
    CONFIGS,
    EVENTS,
    SUBSCRIBED_CODE,
    Seen,
    Subscribed,
    event_body,
    outbox_types,
    run_job,
)

Client: TypeAlias = AsyncTestClient[Litestar]
KeyClient = Callable[..., Awaitable[Client]]


async def receive(client: Client, **overrides: Any) -> dict[str, Any]:
    response = await client.post(EVENTS, json=event_body(**overrides))
    assert response.status_code == 202, response.text
    return dict(response.json())


async def register_patient(client: Client, mrn: str, **extra: Any) -> str:
    body = {"name": {"family": "Integrated"}, "gender": "female", "mrn": mrn, **extra}
    response = await client.post("/api/v1/prm/patients", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_an_event_is_stored_pending_and_read_back_with_its_payload(client: Client) -> None:
    sent = event_body(source_system="HIS", occurred_at="2026-03-10T13:45:00+03:00")
    response = await client.post(EVENTS, json=sent)
    assert response.status_code == 202, response.text
    event = response.json()
    assert (event["status"], event["source_system"], event["attempts"]) == ("pending", "his", 0)
    assert event["occurred_at"] == "2026-03-10T10:45:00Z"
    fetched = (await client.get(f"{EVENTS}/{event['id']}")).json()
    assert fetched["payload"] == sent["payload"]
    assert fetched["external_id"] == sent["external_id"]
    listed = (await client.get(EVENTS, params={"encounter_id": "ENC20251214001"})).json()
    assert [e["id"] for e in listed["items"]] == [event["id"]]
    assert "payload" not in listed["items"][0]


async def test_a_replayed_external_id_answers_the_first_record_and_stores_one_row(client: Client) -> None:
    first = await receive(client, external_id="HIS-42")
    again = await client.post(EVENTS, json=event_body(external_id="HIS-42", event_code="SOMETHING_ELSE"))
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    assert again.json()["event_code"] == first["event_code"]
    listed = (await client.get(EVENTS, params={"source_system": "his"})).json()
    assert [e["id"] for e in listed["items"] if e["external_id"] == "HIS-42"] == [first["id"]]
    assert listed["total"] == 1


async def test_an_event_code_not_in_upper_snake_case_is_422_naming_it(client: Client) -> None:
    for code in ("opd_visit_completed", "OPD-VISIT", "_OPD", "OPD__VISIT"):
        response = await client.post(EVENTS, json=event_body(event_code=code))
        assert response.status_code == 422, (code, response.text)
        assert response.json()["errors"][0]["loc"] == ["body", "event_code"]


async def test_a_payload_over_64_kib_is_413_naming_payload(client: Client) -> None:
    response = await client.post(EVENTS, json=event_body(payload={"blob": "x" * (64 * 1024)}))
    assert response.status_code == 413, response.text
    problem = response.json()
    assert problem["code"] == "integrations.payload_too_large"
    assert problem["errors"][0]["loc"] == ["body", "payload"]
    just_fits = {"blob": "x" * (64 * 1024 - len('{"blob":""}'))}
    assert (await client.post(EVENTS, json=event_body(payload=just_fits))).status_code == 202


async def test_bulk_stores_the_good_events_and_names_each_bad_one(client: Client) -> None:
    known = await receive(client)
    events: list[Any] = [
        event_body(external_id="B-1"),
        event_body(external_id="B-2", event_code="bad code"),
        {k: v for k, v in event_body(external_id="B-3").items() if k != "patient_identifier"},
        "not an object",
        event_body(external_id="B-5", payload={"blob": "y" * (70 * 1024)}),
        event_body(external_id="B-1"),  # repeated within the batch
        event_body(external_id=known["external_id"]),  # stored before
        event_body(external_id="B-8", occurred_at="2026-03-10T10:45:00"),  # no offset
        event_body(external_id="B-9", patient_identifier="|only-a-value"),
        event_body(external_id="B-10", source_system="lab"),
    ]
    response = await client.post(f"{EVENTS}/bulk", json={"events": events})
    assert response.status_code == 202, response.text
    answer = response.json()
    assert (answer["created"], answer["duplicates"], answer["failed"]) == (2, 2, 6)
    locs = {e["index"]: e["loc"] for e in answer["errors"]}
    assert locs == {
        1: ["body", "events", 1, "event_code"],
        2: ["body", "events", 2, "patient_identifier"],
        3: ["body", "events", 3],
        4: ["body", "events", 4, "payload"],
        7: ["body", "events", 7, "occurred_at"],
        8: ["body", "events", 8, "patient_identifier"],
    }
    assert all(e["msg"] for e in answer["errors"])
    stored = (await client.get(EVENTS, params={"page_size": 100})).json()["items"]
    assert sorted(e["external_id"] for e in stored) == sorted(["B-1", "B-10", known["external_id"]])
    replay = await client.post(f"{EVENTS}/bulk", json={"events": [event_body(external_id="B-1")]})
    assert (replay.status_code, replay.json()["duplicates"]) == (200, 1)


async def test_bulk_refuses_more_than_1000_events(client: Client) -> None:
    response = await client.post(f"{EVENTS}/bulk", json={"events": [event_body()] * 1001})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][:2] == ["body", "events"]


async def test_senders_need_integration_events_write_and_readers_read(api_key_client: KeyClient) -> None:
    without = await api_key_client("patients:read", "integration_events:read")
    assert (await without.post(EVENTS, json=event_body())).status_code == 403
    assert (await without.post(f"{EVENTS}/bulk", json={"events": [event_body()]})).status_code == 403
    sender = await api_key_client("integration_events:write")
    created = await sender.post(EVENTS, json=event_body())
    assert created.status_code == 202
    assert (await sender.get(EVENTS)).status_code == 403
    assert (await without.get(f"{EVENTS}/{created.json()['id']}")).status_code == 200


async def test_the_rate_limit_holds_per_source_system_with_retry_after(client: Client) -> None:
    config = {"name": "Lab", "source_system": "lab", "rate_limit_per_hour": 3}
    assert (await client.post(CONFIGS, json=config)).status_code == 201
    first = await receive(client, source_system="lab")
    await receive(client, source_system="lab")
    replay = await client.post(EVENTS, json=event_body(source_system="lab", external_id=first["external_id"]))
    assert replay.status_code == 200  # replays do not count
    too_many = await client.post(f"{EVENTS}/bulk", json={"events": [event_body(source_system="lab") for _ in range(2)]})
    assert too_many.status_code == 429, too_many.text
    assert 1 <= int(too_many.headers["retry-after"]) <= 3600
    assert too_many.json()["code"] == "integrations.rate_limited"
    await receive(client, source_system="lab")  # the refused batch counted nothing: one is left
    refused = await client.post(EVENTS, json=event_body(source_system="lab"))
    assert refused.status_code == 429
    assert "retry-after" in refused.headers
    await receive(client, source_system="his")  # another system has its own count (the default)


async def test_another_tenant_sees_no_event_of_this_one(client: Client, other_tenant_client: Client) -> None:
    event = await receive(client)
    assert (await other_tenant_client.get(f"{EVENTS}/{event['id']}")).status_code == 404
    assert (await other_tenant_client.post(f"{EVENTS}/{event['id']}/reprocess")).status_code == 404
    assert (await other_tenant_client.get(EVENTS)).json()["total"] == 0
    # the same external id is another tenant's own event
    assert (
        await other_tenant_client.post(EVENTS, json=event_body(external_id=event["external_id"]))
    ).status_code == 202


async def test_processing_fails_an_unknown_patient_with_its_reason_and_records_the_event(
    client: Client, settings: Settings, tenant_id: UUID
) -> None:
    event = await receive(client, patient_identifier=f"MRN-{uuid4().hex[:8]}")
    await run_job(settings, tenant_id, "integrations.process_event", {"event_id": event["id"]})
    failed = (await client.get(f"{EVENTS}/{event['id']}")).json()
    assert (failed["status"], failed["failure_reason"], failed["attempts"]) == ("failed", "unknown_patient", 1)
    assert failed["failure_message"]
    assert (await outbox_types(settings, tenant_id, UUID(event["id"])))[-1] == (
        "integration_event.failed",
        {
            "integration_event_id": event["id"],
            "source_system": "his",
            "event_code": "LAB_ORDER_COMPLETED",
            "reason": "unknown_patient",
        },
    )
    listed = (await client.get(EVENTS, params={"status": "failed"})).json()["items"]
    assert [e["id"] for e in listed] == [event["id"]]


async def test_processing_hands_the_event_to_its_subscribers_once(
    client: Client, settings: Settings, tenant_id: UUID
) -> None:
    mrn = f"MRN-{uuid4().hex[:8]}"
    patient_id = await register_patient(client, mrn)
    subscribed = await receive(client, event_code=SUBSCRIBED_CODE, patient_identifier=mrn)
    unsubscribed = await receive(client, patient_identifier=mrn)
    seen = Seen()
    args = {"event_ids": [subscribed["id"], unsubscribed["id"]]}
    await run_job(settings, tenant_id, "integrations.process_batch", args, [Subscribed(seen)])
    await run_job(settings, tenant_id, "integrations.process_batch", args, [Subscribed(seen)])  # again: no-op
    assert [(e.id, e.patient_id) for e in seen] == [(UUID(subscribed["id"]), UUID(patient_id))]
    assert seen[0].payload == event_body()["payload"]
    processed = (await client.get(f"{EVENTS}/{subscribed['id']}")).json()
    assert (processed["status"], processed["patient_id"], processed["attempts"]) == ("processed", patient_id, 1)
    ignored = (await client.get(f"{EVENTS}/{unsubscribed['id']}")).json()
    assert (ignored["status"], ignored["patient_id"]) == ("ignored", patient_id)
    types = [t for t, _ in await outbox_types(settings, tenant_id, UUID(subscribed["id"]))]
    assert types == ["integration_event.processed"]


async def test_a_system_value_identifier_resolves_the_patient(
    client: Client, settings: Settings, tenant_id: UUID
) -> None:
    ssn = f"999-{uuid4().hex[:6]}"
    identifiers = [{"system": "http://hl7.org/fhir/sid/us-ssn", "value": ssn, "type": "SS"}]
    patient_id = await register_patient(client, f"MRN-{uuid4().hex[:8]}", identifiers=identifiers)
    event = await receive(client, patient_identifier=f"http://hl7.org/fhir/sid/us-ssn|{ssn}")
    await run_job(settings, tenant_id, "integrations.process_event", {"event_id": event["id"]})
    resolved = (await client.get(f"{EVENTS}/{event['id']}")).json()
    assert (resolved["status"], resolved["patient_id"]) == ("ignored", patient_id)


async def test_reprocess_puts_a_failed_event_back_and_refuses_others(
    client: Client, settings: Settings, tenant_id: UUID
) -> None:
    mrn = f"MRN-{uuid4().hex[:8]}"
    event = await receive(client, event_code=SUBSCRIBED_CODE, patient_identifier=mrn)
    pending = await client.post(f"{EVENTS}/{event['id']}/reprocess")
    assert (pending.status_code, pending.json()["code"]) == (409, "integrations.not_reprocessable")
    await run_job(settings, tenant_id, "integrations.process_event", {"event_id": event["id"]})
    await register_patient(client, mrn)  # the patient the HIS knew about arrives
    again = await client.post(f"{EVENTS}/{event['id']}/reprocess")
    assert again.status_code == 200, again.text
    assert (again.json()["status"], again.json()["failure_reason"]) == ("pending", None)
    seen = Seen()
    await run_job(settings, tenant_id, "integrations.process_event", {"event_id": event["id"]}, [Subscribed(seen)])
    processed = (await client.get(f"{EVENTS}/{event['id']}")).json()
    assert (processed["status"], processed["attempts"], len(seen)) == ("processed", 2, 1)
    refused = await client.post(f"{EVENTS}/{event['id']}/reprocess")
    assert (refused.status_code, refused.json()["code"]) == (409, "integrations.not_reprocessable")


async def test_list_filters_combine(client: Client) -> None:
    lab = await receive(client, source_system="lab", event_code="LAB_RESULT_READY", encounter_id="ENC-L")
    await receive(client, source_system="his", event_code="LAB_RESULT_READY", patient_identifier="MRN-X")
    found = await client.get(EVENTS, params={"source_system": "LAB", "event_code": "LAB_RESULT_READY"})
    assert [e["id"] for e in found.json()["items"]] == [lab["id"]]
    by_patient = (await client.get(EVENTS, params={"patient_identifier": "MRN-X"})).json()
    assert by_patient["total"] == 1
    window = {"received_from": lab["received_at"], "received_to": "2200-01-01T00:00:00Z"}
    assert (await client.get(EVENTS, params=window)).json()["total"] == 2
    empty = await client.get(EVENTS, params={"received_from": lab["received_at"], "received_to": lab["received_at"]})
    assert empty.status_code == 422
    assert (await client.get(EVENTS, params={"status": "bogus"})).status_code == 422


async def test_the_rate_limit_is_shared_by_server_processes_even_under_concurrent_requests(
    client: Client, settings: Settings, tenant_id: UUID
) -> None:
    assert (
        await client.post(CONFIGS, json={"name": "Pharmacy", "source_system": "pharmacy", "rate_limit_per_hour": 5})
    ).status_code == 201
    key = await create_api_key(settings, tenant_id, ["integration_events:write"])
    other_process = create_app(settings, CheapHashing(), PerTestLoginThrottle())
    async with AsyncTestClient(app=other_process) as second:
        second.headers["X-API-Key"] = key
        client.headers.pop("Authorization")
        client.headers["X-API-Key"] = key
        sends = [c.post(EVENTS, json=event_body(source_system="pharmacy")) for c in (client, second) * 4]
        statuses = sorted(r.status_code for r in await asyncio.gather(*sends))
    assert statuses == [202] * 5 + [429] * 3


async def test_concurrent_deliveries_of_one_event_store_it_once(client: Client) -> None:
    body = event_body(external_id=f"RACE-{uuid4().hex}")
    answers = await asyncio.gather(*(client.post(EVENTS, json=body) for _ in range(4)))
    statuses = sorted(r.status_code for r in answers)
    assert statuses.count(202) == 1, [r.text for r in answers]
    assert set(statuses) <= {200, 202, 409}
    for answer in answers:
        if answer.status_code == 409:
            assert answer.json()["code"] == "integrations.duplicate_event"
    listed = (await client.get(EVENTS, params={"source_system": "his"})).json()
    assert [e["external_id"] for e in listed["items"]] == [body["external_id"]]
