"""The tickets API, its SLA job and its survey handler, on SQLite and on PostgreSQL (see ``tests/conftest.py``)."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from dishka import Provider, Scope, provide
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.adapters.sql.connection import SqlDatabase
from prm.adapters.sql.outbox_tables import outbox
from prm.application.shared.events import PublishedEvent
from prm.application.shared.ports import Clock, UnitOfWork
from prm.application.tickets.on_survey_response import OpenTicketForLowScore
from prm.application.tickets.open_ticket import OpenTicket, OpenTicketCommand
from prm.domain.shared.ids import PatientId, TenantId, new_id
from prm.entrypoints.library import Prm
from prm.ioc.events import handlers_for
from prm.ioc.jobs import JOB_HANDLERS, PERIODIC
from prm.settings import Settings

API = "/api/v1/prm"
BASE = f"{API}/tickets"
Client = AsyncTestClient[Litestar]


class MovableClock(Clock):
    """The real time, moved forward by ``offset`` (tickets are created by the app's own clock)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


class Overrides(Provider):
    def __init__(self, clock: MovableClock) -> None:
        super().__init__()
        self._clock = clock

    @provide(scope=Scope.APP, override=True)
    def clock(self) -> Clock:
        return self._clock


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
async def prm(settings: Settings, tenant_id: UUID, client: Client, clock: MovableClock) -> AsyncIterator[Prm]:
    async with Prm.open(settings, tenant_id=tenant_id, providers=(Overrides(clock),)) as opened:
        yield opened


async def detect_breaches(prm: Prm) -> None:
    """As the worker runs the periodic job: the registered handler in a unit of its own."""
    async with prm.unit() as scope:
        await (await scope.get(JOB_HANDLERS["tickets.detect_breaches"]))({})


async def a_patient(client: Client) -> str:
    response = await client.post(f"{API}/patients", json={"name": {"family": "Ticketed"}, "gender": "female"})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def a_ticket(client: Client, patient_id: str, **fields: Any) -> dict[str, Any]:
    body = {"patient_id": patient_id, "title": "Prescription refill request", **fields}
    response = await client.post(BASE, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def events_of(prm: Prm, tenant_id: UUID, event_type: str) -> list[dict[str, Any]]:
    database = await prm.get(SqlDatabase)  # type: ignore[type-abstract]
    async with database.connect(TenantId(tenant_id)) as connection:
        rows = (
            await connection.execute(
                sa.select(outbox.c.payload)
                .where(outbox.c.tenant_id == tenant_id, outbox.c.event_type == event_type)
                .order_by(outbox.c.id)
            )
        ).all()
    return [dict(payload) for (payload,) in rows]


# --- create and read ------------------------------------------------------------------------------


async def test_create_is_201_with_due_times_from_the_default_policy(client: Client, tenant_id: UUID) -> None:
    patient_id = await a_patient(client)
    response = await client.post(
        BASE,
        json={
            "tenant_id": str(tenant_id),
            "patient_id": patient_id,
            "title": "Prescription refill request",
            "description": "Patient needs refill of medication X",
            "priority": "urgent",
            "category": "Prescription",
        },
    )
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == 'W/"1"'
    created = response.json()
    assert {k: created[k] for k in ("status", "priority", "category", "source", "version", "breached_at")} == {
        "status": "open",
        "priority": "urgent",
        "category": "prescription",
        "source": "staff",
        "version": 1,
        "breached_at": None,
    }
    assert at(created["first_response_due_at"]) - at(created["created_at"]) == timedelta(hours=1)
    assert at(created["resolution_due_at"]) - at(created["created_at"]) == timedelta(hours=4)
    fetched = await client.get(f"{BASE}/{created['id']}")
    assert (fetched.status_code, fetched.json()) == (200, created)
    defaults = await a_ticket(client, patient_id)
    assert (defaults["priority"], defaults["category"]) == ("medium", "general")


async def test_unknown_ids_are_404(client: Client) -> None:
    response = await client.get(f"{BASE}/{uuid4()}")
    assert (response.status_code, response.json()["code"]) == (404, "tickets.not_found")
    unknown_patient = await client.post(BASE, json={"patient_id": str(uuid4()), "title": "T"})
    assert (unknown_patient.status_code, unknown_patient.json()["code"]) == (404, "patients.not_found")


@pytest.mark.parametrize(
    ("payload", "loc"),
    [
        ({}, ["body", "title"]),
        ({"title": "T", "priority": "critical"}, ["body", "priority"]),
        ({"title": "T", "category": "no spaces"}, ["body", "category"]),
        ({"title": "   "}, ["body", "title"]),
        ({"title": "T", "assigned_to": str(uuid4())}, ["body", "assigned_to"]),
    ],
)
async def test_invalid_fields_are_422_naming_the_field(client: Client, payload: dict[str, Any], loc: list[str]) -> None:
    patient_id = await a_patient(client)
    response = await client.post(BASE, json={"patient_id": patient_id, **payload})
    assert response.status_code == 422, response.text
    assert [e["loc"] for e in response.json()["errors"]] == [loc]
    assert (await client.get(BASE)).json()["total"] == 0


# --- workflow -------------------------------------------------------------------------------------


async def test_the_workflow_from_open_to_closed_and_a_bad_move_is_409(client: Client) -> None:
    ticket = await a_ticket(client, await a_patient(client))
    url = f"{BASE}/{ticket['id']}"
    started = (await client.patch(url, json={"status": "in_progress"})).json()
    assert (started["status"], started["version"]) == ("in_progress", 2)
    assert started["first_response_at"] is not None

    missing_notes = await client.patch(url, json={"status": "resolved"})
    assert missing_notes.status_code == 422
    assert missing_notes.json()["errors"][0]["loc"] == ["body", "resolution_notes"]

    resolved = await client.patch(url, json={"status": "resolved", "resolution_notes": "Refill sent to pharmacy"})
    assert resolved.status_code == 200, resolved.text
    assert (resolved.json()["status"], resolved.json()["resolution_notes"]) == ("resolved", "Refill sent to pharmacy")
    assert resolved.json()["resolved_at"] is not None

    reopened = (await client.patch(url, json={"status": "open"})).json()
    assert (reopened["status"], reopened["resolved_at"]) == ("open", None)
    await client.patch(url, json={"status": "resolved", "resolution_notes": "Done again"})
    closed = (await client.patch(url, json={"status": "closed"})).json()
    assert closed["status"] == "closed"
    assert closed["closed_at"] is not None

    refused = await client.patch(url, json={"status": "in_progress"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "tickets.transition_not_allowed"
    assert "status" in refused.json()["detail"]
    no_comment = await client.post(f"{url}/comments", json={"body": "late"})
    assert (no_comment.status_code, no_comment.json()["code"]) == (409, "tickets.closed")


async def test_open_cannot_be_closed_without_resolving_and_a_stale_version_is_409(client: Client) -> None:
    ticket = await a_ticket(client, await a_patient(client))
    url = f"{BASE}/{ticket['id']}"
    skipped = await client.patch(url, json={"status": "closed"})
    assert (skipped.status_code, skipped.json()["code"]) == (409, "tickets.transition_not_allowed")
    await client.patch(url, json={"priority": "high"})
    stale = await client.patch(url, json={"category": "billing"}, headers={"If-Match": 'W/"1"'})
    assert (stale.status_code, stale.json()["code"]) == (409, "prm.stale_version")


async def test_a_new_priority_computes_the_due_times_again_and_assignees_change(client: Client) -> None:
    ticket = await a_ticket(client, await a_patient(client), priority="low")
    url = f"{BASE}/{ticket['id']}"
    raised = (await client.patch(url, json={"priority": "urgent", "assigned_team": "Pharmacy"})).json()
    created = at(raised["created_at"])
    assert at(raised["first_response_due_at"]) - created == timedelta(hours=1)
    assert at(raised["resolution_due_at"]) - created == timedelta(hours=4)
    assert raised["assigned_team"] == "pharmacy"
    cleared = (await client.patch(url, json={"assigned_team": None})).json()
    assert cleared["assigned_team"] is None


# --- lists ----------------------------------------------------------------------------------------


async def test_lists_filter_and_page(client: Client) -> None:
    first, second = await a_patient(client), await a_patient(client)
    journey = str(uuid4())
    a = await a_ticket(client, first, priority="high", category="billing")
    b = await a_ticket(client, first, journey_instance_id=journey)
    c = await a_ticket(client, second, priority="high")
    await client.patch(f"{BASE}/{c['id']}", json={"status": "in_progress"})

    async def ids(**params: Any) -> list[str]:
        response = await client.get(BASE, params=params)
        assert response.status_code == 200, response.text
        return [t["id"] for t in response.json()["items"]]

    assert await ids() == [c["id"], b["id"], a["id"]]  # newest first
    assert await ids(patient_id=first) == [b["id"], a["id"]]
    assert await ids(status="in_progress") == [c["id"]]
    assert await ids(priority="high") == [c["id"], a["id"]]
    assert await ids(category="BILLING") == [a["id"]]
    assert await ids(journey_instance_id=journey) == [b["id"]]
    assert await ids(overdue="true") == []
    assert len(await ids(overdue="false")) == 3
    page = (await client.get(BASE, params={"page_size": 2, "page": 2})).json()
    assert (page["total"], page["has_next"], page["has_previous"], len(page["items"])) == (3, False, True, 1)
    bad = await client.get(BASE, params={"status": "pending"})
    assert bad.status_code == 422


# --- comments and activity ------------------------------------------------------------------------


async def test_a_staff_comment_is_the_first_response_and_the_activity_tells_every_change(client: Client) -> None:
    ticket = await a_ticket(client, await a_patient(client))
    url = f"{BASE}/{ticket['id']}"
    comment = await client.post(f"{url}/comments", json={"body": "Called the patient back"})
    assert comment.status_code == 201, comment.text
    assert (comment.json()["author_kind"], comment.json()["body"]) == ("user", "Called the patient back")
    author = comment.json()["author_id"]
    assert author is not None
    responded = (await client.get(url)).json()
    assert responded["first_response_at"] == comment.json()["created_at"]
    await client.post(f"{url}/comments", json={"body": "Second"})
    assert (await client.get(url)).json()["first_response_at"] == responded["first_response_at"]
    comments = (await client.get(f"{url}/comments")).json()
    assert [c["body"] for c in comments["items"]] == ["Called the patient back", "Second"]

    await client.patch(url, json={"priority": "high"})
    await client.patch(url, json={"status": "resolved", "resolution_notes": "Sorted"})
    activity = (await client.get(f"{url}/activity")).json()["items"]
    assert all(entry["actor_kind"] == "user" and entry["actor_id"] == author for entry in activity)
    changes = [(e["action"], e["field"], e["from_value"], e["to_value"]) for e in activity]
    assert changes[0] == ("created", None, None, None)
    assert ("changed", "priority", "medium", "high") in changes
    assert ("changed", "status", "open", "resolved") in changes
    assert ("changed", "resolution_notes", None, None) in changes  # named, never copied
    assert sum(1 for c in changes if c[0] == "commented") == 2
    blank = await client.post(f"{url}/comments", json={"body": "  "})
    assert (blank.status_code, blank.json()["errors"][0]["loc"]) == (422, ["body", "body"])


# --- SLA policy and breaches ----------------------------------------------------------------------


async def test_the_sla_policy_is_the_default_until_set_and_checks_its_fields(client: Client) -> None:
    default = (await client.get(f"{BASE}/sla-policy")).json()
    assert default["is_default"] is True
    assert default["targets"]["urgent"] == {"first_response_minutes": 60, "resolution_minutes": 240}
    targets = {
        p: {"first_response_minutes": 60, "resolution_minutes": 480} for p in ("low", "medium", "high", "urgent")
    }
    body: dict[str, Any] = {
        "targets": targets,
        "business_hours": {"weekdays": ["mon", "fri"], "opens": "09:00", "closes": "17:00"},
    }
    stored = await client.put(f"{BASE}/sla-policy", json=body)
    assert stored.status_code == 200, stored.text
    assert stored.json()["business_hours"] == {
        "weekdays": ["mon", "fri"],
        "opens": "09:00",
        "closes": "17:00",
        "time_zone": "UTC",  # the tenant's
    }
    assert (await client.get(f"{BASE}/sla-policy")).json()["is_default"] is False
    for bad, loc in [
        ({"targets": {"low": targets["low"]}}, ["body", "targets", "medium"]),
        ({"targets": targets, "escalation": "reassign"}, ["body", "escalation_team"]),
        ({**body, "business_hours": {**body["business_hours"], "closes": "08:00"}}, None),
        ({**body, "business_hours": {**body["business_hours"], "time_zone": "Mars/Base"}}, None),
    ]:
        refused = await client.put(f"{BASE}/sla-policy", json=bad)
        assert refused.status_code == 422, (bad, refused.text)
        if loc is not None:
            assert refused.json()["errors"][0]["loc"] == loc


async def test_the_breach_job_marks_escalates_and_publishes_once(
    client: Client, prm: Prm, clock: MovableClock, tenant_id: UUID
) -> None:
    assert any(p.task == "tickets.detect_breaches" and p.seconds == 60 for p in PERIODIC)
    patient_id = await a_patient(client)
    ticket = await a_ticket(client, patient_id)  # medium: 8 h / 72 h
    answered = await a_ticket(client, patient_id)
    await client.post(f"{BASE}/{answered['id']}/comments", json={"body": "On it"})
    await detect_breaches(prm)
    assert (await client.get(f"{BASE}/{ticket['id']}")).json()["breached_at"] is None

    clock.offset = timedelta(hours=8, minutes=1)
    await detect_breaches(prm)
    breached = (await client.get(f"{BASE}/{ticket['id']}")).json()
    assert (breached["breach_kind"], breached["priority"]) == ("first_response", "high")
    assert breached["first_response_breached_at"] is not None
    assert breached["resolution_breached_at"] is None
    assert (await client.get(f"{BASE}/{answered['id']}")).json()["breached_at"] is None
    overdue = (await client.get(BASE, params={"overdue": "true"})).json()["items"]
    assert [t["id"] for t in overdue] == []  # the app's own clock has not moved

    await detect_breaches(prm)  # marked once only
    published = await events_of(prm, tenant_id, "ticket.sla_breached")
    assert [(e["ticket_id"], e["breach_kind"], e["escalation"], e["priority"]) for e in published] == [
        (ticket["id"], "first_response", "raise_priority", "high")
    ]
    activity = (await client.get(f"{BASE}/{ticket['id']}/activity")).json()["items"]
    assert ("breached", "first_response", "system") in [(e["action"], e["field"], e["actor_kind"]) for e in activity]


async def test_a_reassign_policy_hands_breached_tickets_to_its_team(
    client: Client, prm: Prm, clock: MovableClock
) -> None:
    targets = {p: {"first_response_minutes": 30, "resolution_minutes": 60} for p in ("low", "medium", "high", "urgent")}
    policy = {"targets": targets, "escalation": "reassign", "escalation_team": "Escalations"}
    assert (await client.put(f"{BASE}/sla-policy", json=policy)).status_code == 200
    ticket = await a_ticket(client, await a_patient(client), assigned_team="front")
    clock.offset = timedelta(hours=2)
    await detect_breaches(prm)
    breached = (await client.get(f"{BASE}/{ticket['id']}")).json()
    assert (breached["assigned_team"], breached["priority"]) == ("escalations", "medium")
    assert breached["first_response_breached_at"] == breached["resolution_breached_at"] is not None


# --- for other contexts -----------------------------------------------------------------------------


async def test_open_ticket_uses_the_callers_unit_and_its_dedup_key(client: Client, prm: Prm) -> None:
    patient_id = PatientId(UUID(await a_patient(client)))
    command = OpenTicketCommand(
        patient_id=patient_id, title="Follow up", source="journey", priority="low", dedup_key="journey:1"
    )
    async with prm.unit() as unit:
        await (await unit.get(OpenTicket))(command)  # not committed: rolled back
    assert (await client.get(BASE)).json()["total"] == 0
    async with prm.unit() as unit:
        first = await (await unit.get(OpenTicket))(command)
        again = await (await unit.get(OpenTicket))(command)
        assert first == again
        await (await unit.get(UnitOfWork)).commit()
    listed = (await client.get(BASE)).json()["items"]
    assert [(t["id"], t["source"]) for t in listed] == [(str(first), "journey")]


def survey_event(tenant_id: UUID, patient_id: str, *, below: bool, response_id: UUID | None = None) -> PublishedEvent:
    response = response_id or new_id()
    return PublishedEvent(
        id=new_id(),
        tenant_id=TenantId(tenant_id),
        type="survey.response_recorded",
        version=1,
        aggregate_id=response,
        occurred_at=datetime.now(UTC),
        payload={
            "survey_response_id": str(response),
            "invitation_id": str(uuid4()),
            "template_id": str(uuid4()),
            "patient_id": patient_id,
            "score": 3 if below else 9,
            "below_threshold": below,
            "journey_instance_id": None,
            "stage_id": None,
        },
    )


async def test_a_low_survey_score_opens_one_high_priority_ticket(client: Client, prm: Prm, tenant_id: UUID) -> None:
    assert OpenTicketForLowScore in handlers_for("survey.response_recorded")
    patient_id = await a_patient(client)
    low = survey_event(tenant_id, patient_id, below=True)
    for event in (low, low, survey_event(tenant_id, patient_id, below=False)):
        async with prm.unit() as unit:
            await (await unit.get(OpenTicketForLowScore))(event)
    (ticket,) = (await client.get(BASE)).json()["items"]
    assert {k: ticket[k] for k in ("title", "category", "priority", "source", "survey_response_id")} == {
        "title": "Low survey score",
        "category": "survey_follow_up",
        "priority": "high",
        "source": "survey",
        "survey_response_id": low.payload["survey_response_id"],
    }
    async with prm.unit() as unit:  # a patient the tenant does not have: nothing, no error
        await (await unit.get(OpenTicketForLowScore))(survey_event(tenant_id, str(uuid4()), below=True))
    assert (await client.get(BASE)).json()["total"] == 1
