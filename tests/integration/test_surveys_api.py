"""Surveys end to end on SQLite and PostgreSQL: templates (422 naming the field), an invitation
queued as a message holding the answer page's link, the public page, one response per
invitation with its score, expired and unknown links (a clear page, nothing stored), results,
and the issue's loop: a journey stage's survey action invites the patient, a low score opens a
follow-up ticket."""

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from dishka import AsyncContainer
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.application.surveys.invite_to_survey import CreateSurveyInvitation, InviteToSurveyCommand
from prm.domain.shared.ids import PatientId
from prm.domain.surveys.model import SurveyTemplateId
from prm.entrypoints.library import LibraryContextProvider, Prm
from prm.entrypoints.worker.dispatch import ContainerDispatcher
from prm.entrypoints.worker.service import Worker
from prm.ioc import make_container
from prm.ioc.events import EVENT_HANDLERS
from prm.ioc.jobs import JOB_HANDLERS
from prm.settings import Settings
from tests.integration.clock_support import MovableClock, UseClock
from tests.integration.integrations_support import EVENTS, event_body

Client = AsyncTestClient[Litestar]
API = "/api/v1/prm"
SURVEYS = f"{API}/surveys"

SATISFACTION: dict[str, Any] = {
    "name": "visit_satisfaction",
    "title": "How was your visit?",
    "questions": [
        {"id": "recommend", "text": "How likely are you to recommend us?", "kind": "nps"},
        {"id": "wait", "text": "How was the waiting time?", "kind": "rating", "required": False},
        {
            "id": "liked",
            "text": "What did you like?",
            "kind": "multiple_choice",
            "options": ["Staff", "Cleanliness", "Speed"],
            "required": False,
        },
        {"id": "comment", "text": "Anything else?", "kind": "free_text", "required": False},
    ],
    "score_question": "recommend",
    "low_score_threshold": 7,
}


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
async def worker(settings: Settings, client: Client, clock: MovableClock) -> AsyncIterator[AsyncContainer]:
    """The worker's container (the whole relay and every job), on the movable clock."""
    built = make_container(settings, LibraryContextProvider(), UseClock(clock))
    yield built
    await built.close()


async def run_worker(settings: Settings, container: AsyncContainer) -> None:
    dispatcher = ContainerDispatcher(container, event_handlers=EVENT_HANDLERS, job_handlers=JOB_HANDLERS)
    await Worker(settings, container, dispatcher=dispatcher, periodic=()).run_until_idle()


async def created(client: Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def a_patient(client: Client, *, consent: bool = True) -> str:
    body = {
        "name": {"family": "Surveyed", "given": ["Sam"]},
        "gender": "female",
        "mrn": f"MRN-{uuid4().hex[:8]}",
        "phone": "+1 617 492 3500",
    }
    patient = await created(client, f"{API}/patients", body)
    if consent:
        put = await client.put(f"{API}/communications/consents/{patient['id']}/sms", json={"status": "active"})
        assert put.status_code == 200, put.text
    return str(patient["id"])


async def link_sent_to(client: Client, patient_id: str) -> str:
    """The token in the survey invitation's message to the patient."""
    listed = (await client.get(f"{API}/communications", params={"patient_id": patient_id})).json()
    [message] = [m for m in listed["items"] if m["template_name"] == "survey_invitation"]
    found = re.search(r"/api/v1/prm/surveys/respond/([A-Za-z0-9_-]+)", message["message"])
    assert found is not None, message["message"]
    return found.group(1)


async def invite(client: Client, template: dict[str, Any], patient_id: str, **fields: Any) -> str:
    body = {"survey_template_id": template["id"], "patient_id": patient_id, "channel": "sms", **fields}
    return str((await created(client, f"{SURVEYS}/invitations", body))["id"])


@pytest.fixture
async def template(client: Client) -> dict[str, Any]:
    return await created(client, f"{SURVEYS}/templates", SATISFACTION)


async def test_templates_are_checked_and_versioned(client: Client, template: dict[str, Any]) -> None:
    assert (template["version"], template["score_question"], len(template["questions"])) == (1, "recommend", 4)
    again = await client.post(f"{SURVEYS}/templates", json=SATISFACTION)
    assert again.status_code == 409, again.text
    bad = [
        ({"score_question": "comment"}, "score_question"),
        ({"low_score_threshold": 11, "questions": SATISFACTION["questions"][1:2], "score_question": "wait"},
         "low_score_threshold"),
        ({"questions": [{"id": "a", "text": "Pick", "kind": "single_choice", "options": ["x"]}], "score_question": "a"},
         "questions.0.options"),
        ({"questions": [SATISFACTION["questions"][0], SATISFACTION["questions"][0]]}, "questions"),
    ]  # fmt: skip
    for change, field in bad:
        response = await client.post(f"{SURVEYS}/templates", json={**SATISFACTION, "name": "other", **change})
        assert response.status_code == 422, (change, response.text)
        assert [str(part) for part in response.json()["errors"][0]["loc"]] == ["body", *field.split(".")], response.text
    changed = await client.patch(f"{SURVEYS}/templates/{template['id']}", json={"title": "Your visit", "version": 1})
    assert (changed.status_code, changed.json()["version"]) == (200, 2)
    stale = await client.patch(f"{SURVEYS}/templates/{template['id']}", json={"title": "Again", "version": 1})
    assert stale.status_code == 409
    listed = (await client.get(f"{SURVEYS}/templates")).json()
    assert [t["name"] for t in listed["items"]] == ["visit_satisfaction"]
    assert (await client.get(f"{SURVEYS}/templates/{uuid4()}")).status_code == 404


async def test_an_invitation_is_answered_once_through_its_link(
    client: Client, template: dict[str, Any], settings: Settings, tenant_id: UUID
) -> None:
    patient_id = await a_patient(client)
    await invite(client, template, patient_id)
    token = await link_sent_to(client, patient_id)
    page = await client.get(f"{SURVEYS}/respond/{token}")
    assert (page.status_code, page.headers["content-type"].split(";")[0]) == (200, "text/html")
    assert "How likely are you to recommend us?" in page.text
    assert 'name="recommend"' in page.text

    browser = {"accept": "text/html,application/xhtml+xml"}
    missing = await client.post(f"{SURVEYS}/respond/{token}", data={"wait": "4"}, headers=browser)
    assert missing.status_code == 422  # the form again, saying what is missing
    assert "this question needs an answer" in missing.text
    not_a_browser = await client.post(f"{SURVEYS}/respond/{token}", data={"wait": "4"})
    assert (not_a_browser.status_code, not_a_browser.json()["errors"][0]["loc"]) == (
        422,
        ["body", "answers", "recommend"],
    )
    form = [("recommend", "9"), ("liked", "Staff"), ("liked", "Speed"), ("comment", "<b>great</b>")]
    answered = await client.post(
        f"{SURVEYS}/respond/{token}",
        content="&".join(f"{k}={v}" for k, v in form),
        headers={"content-type": "application/x-www-form-urlencoded", **browser},
    )
    assert answered.status_code == 201, answered.text
    assert "Thank you" in answered.text
    twice = await client.post(f"{SURVEYS}/respond/{token}", json={"answers": {"recommend": 2}})
    assert twice.status_code == 409, twice.text
    assert (await client.get(f"{SURVEYS}/respond/{token}")).status_code == 409

    results = (await client.get(f"{SURVEYS}/results")).json()
    [overall] = results["rows"]
    assert (overall["invitations"], overall["responses"], overall["response_rate"], overall["nps"]) == (
        1,
        1,
        1.0,
        100.0,
    )


async def test_unknown_expired_and_bad_answers_store_nothing(
    client: Client, template: dict[str, Any], settings: Settings, tenant_id: UUID
) -> None:
    unknown = await client.get(f"{SURVEYS}/respond/{'x' * 43}")
    assert unknown.status_code == 404
    assert "not valid" in unknown.text
    late = await a_patient(client)
    async with Prm.open(settings, tenant_id=tenant_id) as prm:  # a link valid for no time at all
        command = InviteToSurveyCommand(
            template_id=SurveyTemplateId(UUID(template["id"])), patient_id=PatientId(UUID(late)), validity=timedelta()
        )
        await prm.run(CreateSurveyInvitation, command)
    expired = await link_sent_to(client, late)
    gone = await client.get(f"{SURVEYS}/respond/{expired}")
    assert (gone.status_code, "expired" in gone.text) == (410, True)
    refused = await client.post(f"{SURVEYS}/respond/{expired}", json={"answers": {"recommend": 9}})
    assert refused.status_code == 410, refused.text
    patient_id = await a_patient(client)
    await invite(client, template, patient_id)
    token = await link_sent_to(client, patient_id)
    bad = await client.post(f"{SURVEYS}/respond/{token}", json={"answers": {"recommend": 11}})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["body", "answers", "recommend"], bad.text
    other = await client.post(f"{SURVEYS}/respond/{token}", json={"answers": {"recommend": 5, "colour": "red"}})
    assert other.status_code == 422
    assert other.json()["errors"][0]["loc"] == ["body", "answers", "colour"], other.text
    assert (await client.get(f"{SURVEYS}/results")).json()["rows"][0]["responses"] == 0


async def test_a_journey_survey_with_a_low_score_opens_a_follow_up_ticket(
    client: Client, template: dict[str, Any], settings: Settings, tenant_id: UUID, worker: AsyncContainer
) -> None:
    stages = [
        {
            "name": "MD Consultation",
            "order_index": 1,
            "trigger_event": "OPD_VISIT_COMPLETED",
            "actions": [{"type": "send_survey", "survey_template_id": template["id"], "channel": "sms"}],
        },
        {"name": "Pharmacy", "order_index": 2, "trigger_event": "PHARMACY_DISPENSED"},
    ]
    journey = await created(client, f"{API}/journeys", {"name": "OPD", "journey_type": "opd", "stages": stages})
    patient_id = await a_patient(client)
    mrn = (await client.get(f"{API}/patients/{patient_id}")).json()["mrn"]
    instance = await created(
        client, f"{API}/journeys/instances", {"journey_id": journey["id"], "patient_id": patient_id}
    )
    posted = await client.post(EVENTS, json=event_body(event_code="OPD_VISIT_COMPLETED", patient_identifier=mrn))
    assert posted.status_code == 202, posted.text
    await run_worker(settings, worker)  # the event completes the stage; its survey is sent

    token = await link_sent_to(client, patient_id)
    answered = await client.post(f"{SURVEYS}/respond/{token}", json={"answers": {"recommend": 3}})
    assert answered.status_code == 201, answered.text
    await run_worker(settings, worker)  # survey.response_recorded reaches the tickets context

    tickets = (await client.get(f"{API}/tickets", params={"patient_id": patient_id})).json()["items"]
    assert [(t["title"], t["priority"], t["source"]) for t in tickets] == [("Low survey score", "high", "survey")]
    by_stage = (await client.get(f"{SURVEYS}/results", params={"group_by": "stage"})).json()["rows"]
    assert [(r["key"], r["responses"], r["nps"]) for r in by_stage] == [(journey["stages"][0]["id"], 1, -100.0)]
    progress = (await client.get(f"{API}/journeys/instances/{instance['id']}/progress")).json()
    assert progress["stages"][0]["status"] == "completed"
