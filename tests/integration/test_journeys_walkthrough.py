"""Issue 12's "done when", on SQLite and PostgreSQL, through the HTTP API and the worker: a
hospital and its OPD department; an OPD journey of three stages triggered by
``OPD_VISIT_COMPLETED``, ``LAB_ORDER_COMPLETED`` and ``PHARMACY_DISPENSED``, the first sending a
survey a minute after it completes; a patient started on it; the three integration events posted
with the patient's MRN until the progress reads 100 %; the survey invitation (its job run once
its minute has passed), answered with a low score, opens a ticket; left untouched past its SLA,
the ticket is marked breached."""

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from dishka import AsyncContainer
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.entrypoints.library import LibraryContextProvider
from prm.entrypoints.worker.dispatch import ContainerDispatcher
from prm.entrypoints.worker.service import Worker
from prm.ioc import make_container
from prm.ioc.events import EVENT_HANDLERS
from prm.ioc.jobs import JOB_HANDLERS
from prm.settings import Settings
from tests.integration.clock_support import MovableClock, UseClock
from tests.integration.integrations_support import event_body, run_job

Client = AsyncTestClient[Litestar]
API = "/api/v1/prm"


@pytest.fixture
async def worker(settings: Settings, client: Client) -> AsyncIterator[AsyncContainer]:
    built = make_container(settings, LibraryContextProvider())
    yield built
    await built.close()


async def run_worker(settings: Settings, container: AsyncContainer) -> None:
    dispatcher = ContainerDispatcher(container, event_handlers=EVENT_HANDLERS, job_handlers=JOB_HANDLERS)
    await Worker(settings, container, dispatcher=dispatcher, periodic=()).run_until_idle()


async def created(client: Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"{API}{path}", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_a_new_user_runs_an_opd_journey_to_a_breached_follow_up_ticket(
    client: Client, settings: Settings, tenant_id: UUID, worker: AsyncContainer
) -> None:
    hospital = await created(client, "/organizations", {"name": "City Hospital", "code": "HOSP001", "type": "hospital"})
    opd = await created(
        client,
        "/organizations",
        {"name": "Outpatients", "code": "DEPT_OPD", "type": "department", "part_of": hospital["id"]},
    )
    survey = await created(
        client,
        "/surveys/templates",
        {
            "name": "opd_visit",
            "title": "How was your visit?",
            "questions": [{"id": "recommend", "text": "Would you recommend us?", "kind": "nps"}],
            "score_question": "recommend",
            "low_score_threshold": 7,
        },
    )
    survey_action = {"type": "send_survey", "survey_template_id": survey["id"], "channel": "sms", "delay_minutes": 1}
    journey = await created(
        client,
        "/journeys",
        {
            "name": "Standard OPD Journey",
            "journey_type": "opd",
            "organization_id": opd["id"],
            "stages": [
                {"name": "MD Consultation", "order_index": 1, "trigger_event": "OPD_VISIT_COMPLETED",
                 "actions": [survey_action]},
                {"name": "Laboratory", "order_index": 2, "trigger_event": "LAB_ORDER_COMPLETED"},
                {"name": "Pharmacy", "order_index": 3, "trigger_event": "PHARMACY_DISPENSED"},
            ],
        },
    )  # fmt: skip
    mrn = f"MRN-{uuid4().hex[:8]}"
    patient = await created(
        client,
        "/patients",
        {"name": {"given": ["Omar"], "family": "Haddad"}, "gender": "male", "mrn": mrn, "phone": "+1 617 492 3500"},
    )
    consent = await client.put(f"{API}/communications/consents/{patient['id']}/sms", json={"status": "active"})
    assert consent.status_code == 200, consent.text
    instance = await created(client, "/journeys/instances", {"journey_id": journey["id"], "patient_id": patient["id"]})

    for code in ("OPD_VISIT_COMPLETED", "LAB_ORDER_COMPLETED", "PHARMACY_DISPENSED"):
        body = event_body(event_code=code, patient_identifier=mrn, encounter_id=None)
        posted = await client.post(f"{API}/integrations/events", json=body)
        assert posted.status_code == 202, posted.text
        await run_worker(settings, worker)
    progress = (await client.get(f"{API}/journeys/instances/{instance['id']}/progress")).json()
    assert (progress["completion_percentage"], progress["is_complete"]) == (100, True), progress
    messages = (await client.get(f"{API}/communications", params={"patient_id": patient["id"]})).json()["items"]
    assert not [m for m in messages if m["template_name"] == "survey_invitation"]  # its minute has not passed

    stage = journey["stages"][0]["id"]
    args = {"instance_id": instance["id"], "stage_id": stage, "action_index": 0}
    await run_job(
        settings,
        tenant_id,
        "journeys.run_stage_action",
        args,
        providers=(UseClock(MovableClock(timedelta(minutes=1))),),
    )
    messages = (await client.get(f"{API}/communications", params={"patient_id": patient["id"]})).json()["items"]
    [invitation] = [m for m in messages if m["template_name"] == "survey_invitation"]
    assert (invitation["status"], invitation["journey_instance_id"]) == ("queued", instance["id"]), invitation
    token = re.search(r"/surveys/respond/([A-Za-z0-9_-]+)", invitation["message"])
    assert token is not None
    answered = await client.post(f"{API}/surveys/respond/{token.group(1)}", json={"answers": {"recommend": 2}})
    assert answered.status_code == 201, answered.text
    await run_worker(settings, worker)  # the low score reaches the tickets context

    [ticket] = (await client.get(f"{API}/tickets", params={"patient_id": patient["id"]})).json()["items"]
    assert (ticket["priority"], ticket["source"], ticket["breached_at"]) == ("high", "survey", None)
    await run_job(
        settings, tenant_id, "tickets.detect_breaches", {}, providers=(UseClock(MovableClock(timedelta(days=10))),)
    )
    breached = (await client.get(f"{API}/tickets/{ticket['id']}")).json()
    assert breached["breached_at"] is not None, breached
    assert breached["priority"] == "urgent"  # escalated one step
