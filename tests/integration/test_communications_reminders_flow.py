"""Appointment reminders on SQLite and PostgreSQL, as a clinic meets them: book through the API,
run the worker until idle, and read the messages back through the communications API.

A booking 10 days ahead gets its confirmation (sent through the local sink) and two reminders
scheduled 72 h and 24 h before the start, at those UTC instants, saying the visit's local time
in London; rescheduling cancels them and schedules two for the new start with a rescheduled
notice, and moving it back to the first start schedules that start's reminders again;
cancelling cancels the pending reminders and sends a cancellation notice. The worker runs the
real relay and the real messages part; only the send policy is the messages part's "allow
everything" stand-in (consent has its own tests): the question here is what is scheduled when.

The replies port the inbox part calls (``AppointmentReplies``) confirms and cancels real
appointments in the caller's transaction; a patient's own cancellation sends no cancellation
notice.
"""

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from dishka import AsyncContainer, Provider, Scope, provide
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.adapters.communications.messages_fallbacks import AllowEverything
from prm.application.communications.contracts import SendPolicy
from prm.application.communications.reminders_ports import AppointmentFacts, AppointmentReplies
from prm.application.shared.context import SYSTEM, RequestContext
from prm.application.shared.ports import UnitOfWork
from prm.domain.communications.reminders import ReplyOutcome
from prm.domain.shared.ids import PatientId, TenantId
from prm.entrypoints.library import LibraryContextProvider
from prm.entrypoints.worker.dispatch import ContainerDispatcher
from prm.entrypoints.worker.service import Worker
from prm.ioc import communications_reminders, core_providers, make_container
from prm.ioc.communications_reminders import CommunicationsRemindersProvider
from prm.ioc.communications_virtual_visits import CommunicationsVirtualVisitsProvider
from prm.ioc.jobs import JOB_HANDLERS
from prm.settings import Settings

Client = AsyncTestClient[Litestar]
API = "/api/v1/prm"
LONDON = ZoneInfo("Europe/London")


class AllowSending(Provider):
    policy = provide(AllowEverything, provides=SendPolicy, scope=Scope.APP, override=True)


@pytest.fixture
async def container(settings: Settings, client: Client) -> AsyncIterator[AsyncContainer]:
    """The worker's container; the reminders and virtual visits providers added while
    ``core_providers`` lacks them."""
    registered = {type(p) for p in core_providers()}
    wanted = (CommunicationsVirtualVisitsProvider, CommunicationsRemindersProvider)
    extra = [provider() for provider in wanted if provider not in registered]
    built = make_container(settings, LibraryContextProvider(), *extra, AllowSending())
    yield built
    await built.close()


async def run_worker(settings: Settings, container: AsyncContainer) -> None:
    dispatcher = ContainerDispatcher(
        container, event_handlers=communications_reminders.EVENTS, job_handlers=JOB_HANDLERS
    )
    await Worker(settings, container, dispatcher=dispatcher, periodic=()).run_until_idle()


async def created(client: Client, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"{API}{path}", json=payload)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def london(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


async def new_patient(client: Client, phone: str = "+447911123456") -> dict[str, Any]:
    return await created(
        client,
        "/patients",
        {
            "name": {"given": ["Ada"], "family": "Lovelace"},
            "mrn": f"MRN-{uuid4().hex[:10]}",
            "gender": "female",
            "phone": phone,
        },
    )


async def book(client: Client, starts_at: datetime) -> dict[str, Any]:
    patient = await new_patient(client)
    doctor = await created(client, "/practitioners", {"first_name": "Grace", "last_name": f"Hopper{uuid4().hex[:4]}"})
    location = await created(client, "/locations", {"name": "Harley Street", "time_zone": "Europe/London"})
    return await created(
        client,
        "/appointments",
        {
            "patient_id": patient["id"],
            "practitioner_id": doctor["id"],
            "location_id": location["id"],
            "start_time": starts_at.isoformat(),
            "end_time": (starts_at + timedelta(minutes=20)).isoformat(),
        },
    )


async def messages(client: Client, appointment_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"{API}/communications", params={"appointment_id": appointment_id, "page_size": 100})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return sorted(items, key=lambda m: (m["template_name"], m["scheduled_for"] or "", m["status"]))


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def reminders(found: list[dict[str, Any]], *, status: str | None = None) -> list[dict[str, Any]]:
    return [m for m in found if m["template_name"] == "appointment_reminder" and status in (None, m["status"])]


async def test_a_booking_gets_a_confirmation_and_two_reminders_that_follow_the_appointment(
    settings: Settings, client: Client, container: AsyncContainer
) -> None:
    day = datetime.now(UTC).date() + timedelta(days=10)
    starts_at = london(day, 14, 30)
    booked = await book(client, starts_at)
    await run_worker(settings, container)

    found = await messages(client, booked["id"])
    [confirmation] = [m for m in found if m["template_name"] == "appointment_confirmation"]
    assert (confirmation["channel"], confirmation["category"], confirmation["event_type"]) == (
        "sms",
        "appointment",
        "appointment.booked",
    )
    assert confirmation["status"] in {"sent", "delivered"}, confirmation["status_reason"]
    assert "14:30" in confirmation["message"]
    assert confirmation["recipient"] == "+447911123456"
    scheduled = reminders(found)
    assert [(m["status"], instant(m["scheduled_for"])) for m in scheduled] == [
        ("scheduled", starts_at - timedelta(hours=72)),
        ("scheduled", starts_at - timedelta(hours=24)),
    ]
    assert {(m["category"], m["event_type"]) for m in scheduled} == {("reminder", "appointment.reminder")}

    await run_worker(settings, container)  # nothing new: no second confirmation or reminder
    assert len(await messages(client, booked["id"])) == 3

    moved_to = london(day + timedelta(days=1), 9, 0)
    moved = await client.patch(f"{API}/appointments/{booked['id']}", json={"start_time": moved_to.isoformat()})
    assert moved.status_code == 200, moved.text
    await run_worker(settings, container)
    found = await messages(client, booked["id"])
    assert [instant(m["scheduled_for"]) for m in reminders(found, status="cancelled")] == [
        starts_at - timedelta(hours=72),
        starts_at - timedelta(hours=24),
    ]
    assert [instant(m["scheduled_for"]) for m in reminders(found, status="scheduled")] == [
        moved_to - timedelta(hours=72),
        moved_to - timedelta(hours=24),
    ]
    [notice] = [m for m in found if m["template_name"] == "appointment_rescheduled"]
    assert "09:00" in notice["message"]

    back = await client.patch(f"{API}/appointments/{booked['id']}", json={"start_time": starts_at.isoformat()})
    assert back.status_code == 200, back.text
    await run_worker(settings, container)  # moved back to the first start: its reminders again, not lost
    found = await messages(client, booked["id"])
    assert [instant(m["scheduled_for"]) for m in reminders(found, status="scheduled")] == [
        starts_at - timedelta(hours=72),
        starts_at - timedelta(hours=24),
    ]
    assert len([m for m in found if m["template_name"] == "appointment_rescheduled"]) == 2

    cancelled = await client.post(f"{API}/appointments/{booked['id']}/cancel", json={"reason": "prov"})
    assert cancelled.status_code == 200, cancelled.text
    await run_worker(settings, container)
    found = await messages(client, booked["id"])
    assert reminders(found, status="scheduled") == []
    assert len(reminders(found, status="cancelled")) == 6
    [cancellation] = [m for m in found if m["template_name"] == "appointment_cancellation"]
    assert cancellation["status"] in {"sent", "delivered"}, cancellation["status_reason"]


async def test_a_patients_replies_confirm_or_cancel_the_appointment_and_its_facts_read_locally(
    settings: Settings, tenant_id: UUID, client: Client, container: AsyncContainer
) -> None:
    starts_at = london(datetime.now(UTC).date() + timedelta(days=5), 8, 15)
    booked = await book(client, starts_at)
    await run_worker(settings, container)  # the confirmation and two reminders
    appointment_id, patient_id = UUID(booked["id"]), PatientId(UUID(booked["patient_id"]))
    context = RequestContext(tenant_id=TenantId(tenant_id), principal=SYSTEM)
    async with container(context={RequestContext: context}) as scope:
        facts = await (await scope.get(AppointmentFacts)).appointment(appointment_id)
        assert facts is not None
        assert (facts.status, facts.starts_at, facts.time_zone, facts.location_name, facts.clinic_name) == (
            "booked",
            starts_at,
            "Europe/London",
            "Harley Street",
            "Test clinic",
        )
        assert facts.practitioner_name is not None
        assert "Hopper" in facts.practitioner_name
        replies = await scope.get(AppointmentReplies)
        assert await replies.confirm(appointment_id, PatientId(uuid4())) is ReplyOutcome.NOT_FOUND
        assert await replies.confirm(appointment_id, patient_id) is ReplyOutcome.CONFIRMED
        await (await scope.get(UnitOfWork)).commit()  # the port joins the caller's transaction
    async with container(context={RequestContext: context}) as scope:
        replies = await scope.get(AppointmentReplies)
        assert await replies.cancel(appointment_id, patient_id) is ReplyOutcome.CANCELLED
    async with container(context={RequestContext: context}) as scope:  # not committed: nothing happened
        replies = await scope.get(AppointmentReplies)
        assert await replies.cancel(appointment_id, patient_id) is ReplyOutcome.CANCELLED
        await (await scope.get(UnitOfWork)).commit()
    async with container(context={RequestContext: context}) as scope:
        replies = await scope.get(AppointmentReplies)
        assert await replies.cancel(appointment_id, patient_id) is ReplyOutcome.ALREADY_DONE
        assert await replies.confirm(appointment_id, patient_id) is ReplyOutcome.TOO_LATE

    appointment = (await client.get(f"{API}/appointments/{booked['id']}")).json()
    assert (appointment["status"], appointment["cancellation_reason"]) == ("cancelled", "pat")
    await run_worker(settings, container)
    found = await messages(client, booked["id"])
    assert [m["template_name"] for m in found if m["status"] != "cancelled"] == ["appointment_confirmation"]
    assert len(reminders(found, status="cancelled")) == 2  # and no cancellation notice: the inbox answers


async def test_a_freed_slot_offered_to_a_waiting_patient_sends_them_the_offer(
    settings: Settings, client: Client, container: AsyncContainer
) -> None:
    starts_at = london(datetime.now(UTC).date() + timedelta(days=6), 9, 0)
    booked = await book(client, starts_at)
    waiting = await new_patient(client, phone="+447400123456")
    await created(
        client,
        "/waitlist",
        {"patient_id": waiting["id"], "practitioner_id": booked["practitioner_id"], "preferred_times": ["morning"]},
    )
    cancelled = await client.post(f"{API}/appointments/{booked['id']}/cancel", json={"reason": "prov"})
    offer_id = cancelled.json()["waitlist_offer_id"]
    assert offer_id is not None
    await run_worker(settings, container)

    response = await client.get(f"{API}/communications", params={"patient_id": waiting["id"]})
    [offer] = response.json()["items"]
    assert (offer["template_name"], offer["category"], offer["event_type"], offer["recipient"]) == (
        "waitlist_offer",
        "waitlist",
        "waitlist.offer_made",
        "+447400123456",
    )
    assert "09:00" in offer["message"]
    assert offer["status"] in {"sent", "delivered"}, offer["status_reason"]
