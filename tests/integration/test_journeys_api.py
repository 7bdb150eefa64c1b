"""The journeys API end to end, on SQLite and on PostgreSQL: templates and their versions,
instances (and that ``/journeys/instances`` is not read as a journey id), integration events
completing stages (or ignored), and a stage's message queued by its job."""

from typing import Any, TypeAlias
from uuid import UUID, uuid4

from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.settings import Settings
from tests.integration.integrations_support import EVENTS, event_body, run_job

Client: TypeAlias = AsyncTestClient[Litestar]
API = "/api/v1/prm"
JOURNEYS = f"{API}/journeys"
INSTANCES = f"{API}/journeys/instances"


def opd_journey(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Standard OPD Journey",
        "journey_type": "opd",
        "description": "Standard outpatient journey",
        "stages": [
            {"name": "MD Consultation", "code": "OPD_MD", "order_index": 1, "trigger_event": "OPD_VISIT_COMPLETED"},
            {"name": "Laboratory", "order_index": 2, "trigger_event": "LAB_ORDER_COMPLETED"},
            {"name": "Pharmacy", "order_index": 3, "trigger_event": "PHARMACY_DISPENSED"},
        ],
    }
    body.update(overrides)
    return body


async def created(client: Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def a_patient(client: Client, mrn: str | None = None) -> dict[str, Any]:
    body = {
        "name": {"family": "Journeyer", "given": ["Mona"]},
        "gender": "female",
        "mrn": mrn or f"MRN-{uuid4().hex[:8]}",
        "telecom": [{"system": "phone", "value": "+16174923500", "use": "mobile"}],
    }
    return await created(client, f"{API}/patients", body)


async def post_event(client: Client, settings: Settings, tenant_id: UUID, **overrides: Any) -> dict[str, Any]:
    response = await client.post(EVENTS, json=event_body(**overrides))
    assert response.status_code == 202, response.text
    event_id = response.json()["id"]
    await run_job(settings, tenant_id, "integrations.process_event", {"event_id": event_id})
    processed: dict[str, Any] = (await client.get(f"{EVENTS}/{event_id}")).json()
    return processed


# --- templates -----------------------------------------------------------------------------------


async def test_a_journey_is_created_with_ordered_stages_and_read_back(client: Client) -> None:
    journey = await created(client, JOURNEYS, opd_journey())
    assert (journey["version"], journey["stage_count"]) == (1, 3)
    assert [s["order_index"] for s in journey["stages"]] == [1, 2, 3]
    fetched = await client.get(f"{JOURNEYS}/{journey['id']}")
    assert fetched.status_code == 200
    assert fetched.json()["stages"][0]["trigger_event"] == "OPD_VISIT_COMPLETED"
    listed = (await client.get(JOURNEYS, params={"journey_type": "opd", "is_active": "true"})).json()
    assert [j["id"] for j in listed["items"]] == [journey["id"]]
    assert (await client.get(JOURNEYS, params={"is_default": "true"})).json()["items"] == []


async def test_duplicate_order_and_bad_triggers_are_422_naming_the_field(client: Client) -> None:
    stages = [
        {"name": "One", "order_index": 1},
        {"name": "Two", "order_index": 1},
    ]
    response = await client.post(JOURNEYS, json=opd_journey(stages=stages))
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "journeys.duplicate_stage_order"
    bad = await client.post(
        JOURNEYS, json=opd_journey(stages=[{"name": "X", "order_index": 1, "trigger_event": "x y"}])
    )
    assert bad.status_code == 422, bad.text
    journey = await created(client, JOURNEYS, opd_journey())
    again = await client.post(f"{JOURNEYS}/{journey['id']}/stages", json={"name": "Again", "order_index": 2})
    assert (again.status_code, again.json()["code"]) == (422, "journeys.duplicate_stage_order")
    unknown_org = await client.post(JOURNEYS, json=opd_journey(organization_id=str(uuid4())))
    assert unknown_org.status_code == 422, unknown_org.text


async def test_editing_makes_a_new_version_and_instances_keep_theirs(client: Client) -> None:
    journey = await created(client, JOURNEYS, opd_journey())
    patient = await a_patient(client)
    instance = await created(client, INSTANCES, {"journey_id": journey["id"], "patient_id": patient["id"]})
    added = await created(client, f"{JOURNEYS}/{journey['id']}/stages", {"name": "Follow-up", "order_index": 4})
    stage_id = journey["stages"][0]["id"]
    patched = await client.patch(f"{JOURNEYS}/{journey['id']}/stages/{stage_id}", json={"name": "Consultation"})
    assert patched.status_code == 200, patched.text
    renamed = await client.patch(f"{JOURNEYS}/{journey['id']}", json={"description": "v4", "version": 3})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["version"] == 4
    stale = await client.patch(f"{JOURNEYS}/{journey['id']}", json={"description": "late", "version": 1})
    assert stale.status_code == 409
    kept = (await client.get(f"{INSTANCES}/{instance['id']}")).json()
    assert kept["journey_version"] == 1
    assert [s["name"] for s in kept["stages"]] == ["MD Consultation", "Laboratory", "Pharmacy"]
    newer = await created(client, INSTANCES, {"journey_id": journey["id"], "patient_id": patient["id"]})
    assert newer["journey_version"] == 4
    assert [s["stage_id"] for s in newer["stages"]][-1] == added["id"]


# --- instances -----------------------------------------------------------------------------------


async def test_instances_start_advance_complete_and_are_not_swallowed_by_journey_ids(client: Client) -> None:
    journey = await created(client, JOURNEYS, opd_journey())
    patient = await a_patient(client)
    body = {"journey_id": journey["id"], "patient_id": patient["id"], "encounter_id": "ENC-1", "context": {"a": 1}}
    instance = await created(client, INSTANCES, body)
    assert [s["status"] for s in instance["stages"]] == ["in_progress", "pending", "pending"]
    twice = await client.post(INSTANCES, json=body)
    assert (twice.status_code, twice.json()["code"]) == (409, "journeys.already_enrolled")
    listed = await client.get(INSTANCES)
    assert listed.status_code == 200, listed.text
    assert [i["id"] for i in listed.json()["items"]] == [instance["id"]]
    assert (await client.get(INSTANCES, params={"search": patient["mrn"]})).json()["total"] == 1
    assert (await client.get(INSTANCES, params={"search": "ENC-1"})).json()["total"] == 1
    assert (await client.get(INSTANCES, params={"search": "nothing"})).json()["total"] == 0
    for _ in range(3):
        advanced = await client.post(f"{INSTANCES}/{instance['id']}/advance", json={"notes": "done"})
        assert advanced.status_code == 200, advanced.text
    assert advanced.json()["status"] == "completed"
    progress = (await client.get(f"{INSTANCES}/{instance['id']}/progress")).json()
    assert (progress["completion_percentage"], progress["is_complete"], progress["journey_type"]) == (100, True, "opd")
    late = await client.post(f"{INSTANCES}/{instance['id']}/advance", json={})
    assert (late.status_code, late.json()["code"]) == (409, "journeys.instance_not_active")
    other = await created(client, INSTANCES, {"journey_id": journey["id"], "patient_id": patient["id"]})
    assert (await client.post(f"{INSTANCES}/{other['id']}/cancel")).status_code == 200
    stats = (await client.get(f"{INSTANCES}/stats")).json()
    assert (stats["total"], stats["completed"], stats["cancelled"], stats["active"]) == (2, 1, 1, 0)
    assert stats["by_journey"] == {"Standard OPD Journey": 2}
    unknown = await client.post(INSTANCES, json={"journey_id": journey["id"], "patient_id": str(uuid4())})
    assert unknown.status_code == 404


# --- driven by events ----------------------------------------------------------------------------


async def test_integration_events_complete_stages_and_unmatched_ones_are_ignored(
    client: Client, settings: Settings, tenant_id: UUID
) -> None:
    journey = await created(client, JOURNEYS, opd_journey())
    patient = await a_patient(client)
    instance = await created(
        client, INSTANCES, {"journey_id": journey["id"], "patient_id": patient["id"], "encounter_id": "ENC-7"}
    )
    mrn = patient["mrn"]
    first = await post_event(
        client, settings, tenant_id, event_code="OPD_VISIT_COMPLETED", patient_identifier=mrn, encounter_id="ENC-7"
    )
    assert first["status"] == "processed", first
    other_encounter = await post_event(
        client, settings, tenant_id, event_code="LAB_ORDER_COMPLETED", patient_identifier=mrn, encounter_id="ENC-8"
    )
    assert other_encounter["status"] == "ignored"
    nothing = await post_event(client, settings, tenant_id, event_code="RADIOLOGY_DONE", patient_identifier=mrn)
    assert nothing["status"] == "ignored"
    progress = (await client.get(f"{INSTANCES}/{instance['id']}/progress")).json()
    assert [s["status"] for s in progress["stages"]] == ["completed", "in_progress", "pending"]
    assert progress["completion_percentage"] == 33
    await client.post(f"{INSTANCES}/{instance['id']}/cancel")
    cancelled = await post_event(
        client, settings, tenant_id, event_code="LAB_ORDER_COMPLETED", patient_identifier=mrn, encounter_id="ENC-7"
    )
    assert cancelled["status"] == "ignored"


async def test_trigger_conditions_enrol_a_patient_once_per_encounter(
    client: Client, settings: Settings, tenant_id: UUID
) -> None:
    journey = await created(client, JOURNEYS, opd_journey(trigger_conditions={"event_code": "ADT_A01"}))
    patient = await a_patient(client)
    for _ in range(2):
        enrolled = await post_event(
            client, settings, tenant_id, event_code="ADT_A01", patient_identifier=patient["mrn"], encounter_id="E-9"
        )
        assert enrolled["status"] == "processed", enrolled
    listed = (await client.get(INSTANCES, params={"journey_id": journey["id"]})).json()
    assert listed["total"] == 1
    assert listed["items"][0]["encounter_id"] == "E-9"


async def test_a_send_message_action_queues_a_message_of_the_instance(
    client: Client, settings: Settings, tenant_id: UUID
) -> None:
    template = {
        "name": "journey_welcome",
        "display_name": "Welcome",
        "channel": "sms",
        "category": "general",
        "language": "en",
        "body": "Hello {{ patient_name }}",
        "variables": ["patient_name"],
    }
    await created(client, f"{API}/communications/templates", template)
    stages = [
        {
            "name": "Welcome",
            "order_index": 0,
            "actions": [{"type": "send_message", "template_name": "journey_welcome", "channel": "sms"}],
        }
    ]
    journey = await created(client, JOURNEYS, opd_journey(stages=stages))
    assert journey["stages"][0]["actions"][0]["on"] == "enter"
    patient = await a_patient(client)
    instance = await created(client, INSTANCES, {"journey_id": journey["id"], "patient_id": patient["id"]})
    args = {"instance_id": instance["id"], "stage_id": journey["stages"][0]["id"], "action_index": 0}
    await run_job(settings, tenant_id, "journeys.run_stage_action", args)
    await run_job(settings, tenant_id, "journeys.run_stage_action", args)  # again: one message
    messages = (await client.get(f"{API}/communications", params={"journey_instance_id": instance["id"]})).json()
    assert messages["total"] == 1, messages
    assert messages["items"][0]["journey_instance_id"] == instance["id"]


async def test_a_create_ticket_action_opens_one_ticket_for_the_care_team(
    client: Client, settings: Settings, tenant_id: UUID
) -> None:
    stages = [
        {
            "name": "Call back",
            "order_index": 0,
            "actions": [{"type": "create_ticket", "title": "Call the patient back", "priority": "high"}],
        }
    ]
    journey = await created(client, JOURNEYS, opd_journey(stages=stages))
    patient = await a_patient(client)
    instance = await created(client, INSTANCES, {"journey_id": journey["id"], "patient_id": patient["id"]})
    args = {"instance_id": instance["id"], "stage_id": journey["stages"][0]["id"], "action_index": 0}
    await run_job(settings, tenant_id, "journeys.run_stage_action", args)
    await run_job(settings, tenant_id, "journeys.run_stage_action", args)  # retried: still one ticket
    tickets = (await client.get(f"{API}/tickets", params={"journey_instance_id": instance["id"]})).json()
    assert tickets["total"] == 1, tickets
    [ticket] = tickets["items"]
    assert (ticket["title"], ticket["priority"], ticket["source"], ticket["patient_id"]) == (
        "Call the patient back",
        "high",
        "journey",
        patient["id"],
    )
    assert ticket["status"] == "open"


async def relay_to_journeys(settings: Settings) -> None:
    """Run a worker until idle with the journeys context's event handlers only (no jobs)."""
    from prm.entrypoints.library import LibraryContextProvider
    from prm.entrypoints.worker.dispatch import ContainerDispatcher
    from prm.entrypoints.worker.service import Worker
    from prm.ioc import journeys as wiring
    from prm.ioc import make_container

    container = make_container(settings, LibraryContextProvider())
    try:
        dispatcher = ContainerDispatcher(container, event_handlers=dict(wiring.EVENTS), job_handlers={})
        await Worker(settings, container, dispatcher=dispatcher, periodic=()).run_until_idle()
    finally:
        await container.close()


async def test_appointment_booked_enrols_on_the_journey_of_its_appointment_type(
    client: Client, settings: Settings
) -> None:
    """``appointment.booked`` carries the appointment type, so ``{"event": "appointment.booked",
    "appointment_type": "new_patient"}`` enrols new patients' bookings and not follow-ups."""
    from datetime import UTC, datetime, timedelta

    journey = await created(
        client,
        JOURNEYS,
        opd_journey(trigger_conditions={"event": "appointment.booked", "appointment_type": "new_patient"}),
    )
    doctor = await created(client, f"{API}/practitioners", {"first_name": "Ann", "last_name": f"D{uuid4().hex[:6]}"})
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    patients = {}
    for hours, kind in enumerate(("new_patient", "follow_up")):
        patient = await a_patient(client)
        patients[kind] = patient["id"]
        begins = start + timedelta(hours=hours)
        await created(
            client,
            f"{API}/appointments",
            {
                "patient_id": patient["id"],
                "practitioner_id": doctor["id"],
                "start_time": begins.isoformat(),
                "end_time": (begins + timedelta(minutes=30)).isoformat(),
                "appointment_type": kind,
            },
        )
    await relay_to_journeys(settings)
    listed = (await client.get(INSTANCES, params={"journey_id": journey["id"]})).json()
    assert [i["patient_id"] for i in listed["items"]] == [patients["new_patient"]]


async def test_a_relay_batch_of_registrations_enrols_each_patient_once(client: Client, settings: Settings) -> None:
    """40 ``patient.registered`` events over the relay's 16 partitions: batches of several events
    (``AdvanceJourneysOnPrmEvent.handle_batch``, one look-up of active instances for all), each
    patient enrolled once, and a second run of the worker changes nothing."""
    journey = await created(client, JOURNEYS, opd_journey(trigger_conditions={"event": "patient.registered"}))
    registered = {(await a_patient(client))["id"] for _ in range(40)}
    for _ in range(2):
        await relay_to_journeys(settings)
        listed = (await client.get(INSTANCES, params={"journey_id": journey["id"], "page_size": 100})).json()
        enrolled = [i["patient_id"] for i in listed["items"]]
        assert sorted(enrolled) == sorted(registered)  # every patient, none twice
        assert {i["status"] for i in listed["items"]} == {"active"}


async def test_one_batch_of_events_moves_each_patient_through_every_stage_it_completes(
    client: Client, settings: Settings, tenant_id: UUID
) -> None:
    """A bulk request's batch is one unit of work that reads the patients' instances once: the
    second and third events of a patient in the batch meet what the first did (the instance
    finishes), and a patient enrolled by the batch is advanced by its later events."""
    journey = await created(client, JOURNEYS, opd_journey())
    enrolling = await created(
        client,
        JOURNEYS,
        opd_journey(
            name="Admission",
            trigger_conditions={"event_code": "ADT_A01"},
            stages=[{"name": "Ward", "order_index": 1, "trigger_event": "WARD_ROUND_DONE"}],
        ),
    )
    patients = [await a_patient(client) for _ in range(3)]
    instances = [
        await created(client, INSTANCES, {"journey_id": journey["id"], "patient_id": p["id"]}) for p in patients
    ]
    codes = ("OPD_VISIT_COMPLETED", "LAB_ORDER_COMPLETED", "PHARMACY_DISPENSED")
    bodies = [event_body(event_code=code, patient_identifier=p["mrn"]) for p in patients for code in codes]
    bodies += [
        event_body(event_code="ADT_A01", patient_identifier=patients[0]["mrn"], encounter_id="ADM-1"),
        event_body(event_code="WARD_ROUND_DONE", patient_identifier=patients[0]["mrn"], encounter_id="ADM-1"),
    ]
    stored = await client.post(f"{EVENTS}/bulk", json={"events": bodies})
    assert stored.status_code in (200, 201, 202), stored.text
    listed_events = (await client.get(EVENTS, params={"page_size": 100})).json()["items"]
    ids = [e["id"] for e in listed_events]
    await run_job(settings, tenant_id, "integrations.process_batch", {"event_ids": ids})
    for instance in instances:
        progress = (await client.get(f"{INSTANCES}/{instance['id']}/progress")).json()
        assert (progress["completion_percentage"], progress["is_complete"]) == (100, True), progress
    admitted = (await client.get(INSTANCES, params={"journey_id": enrolling["id"]})).json()["items"]
    assert [(i["patient_id"], i["status"]) for i in admitted] == [(patients[0]["id"], "completed")]
    statuses = {e["status"] for e in (await client.get(EVENTS, params={"page_size": 100})).json()["items"]}
    assert statuses == {"processed"}
