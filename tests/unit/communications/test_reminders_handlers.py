"""The reminders part's event handlers, with fakes of the messages part and of the appointments
context: what is queued on booking, rescheduling, cancelling and ending an appointment, and for
a waitlist offer."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from prm.application.communications.contracts import PatientContact
from prm.application.communications.reminders_messages import AppointmentMessages
from prm.application.communications.reminders_on_booked import QueueBookingMessages
from prm.application.communications.reminders_on_cancelled import CancelAppointmentReminders
from prm.application.communications.reminders_on_ended import StopAppointmentReminders
from prm.application.communications.reminders_on_rescheduled import MoveAppointmentReminders
from prm.application.communications.reminders_on_waitlist_offer import SendWaitlistOffer
from prm.application.communications.reminders_ports import AppointmentDetails, ReminderSettings, WaitlistOfferDetails
from prm.application.shared.events import PublishedEvent
from prm.domain.communications.channels import Channel
from prm.domain.shared.ids import PatientId
from tests.fakes import FakeUnitOfWork, FixedClock
from tests.unit.communications.reminders_fakes import (
    FakeAppointmentFacts,
    FakeOutgoingMessages,
    FakePatientContacts,
    FakeVirtualVisits,
    published,
)

NOW = datetime(2026, 10, 20, 8, 0, tzinfo=UTC)
STARTS_AT = datetime(2026, 10, 27, 14, 30, tzinfo=UTC)  # Tuesday, 14:30 in London (GMT by then)
PATIENT = PatientId(uuid4())


class World:
    def __init__(self) -> None:
        self.outgoing = FakeOutgoingMessages()
        self.contacts = FakePatientContacts(
            PatientContact(
                patient_id=PATIENT,
                phones=("+447700900123",),
                emails=("ada@example.org",),
                preferred_language="en",
                active=True,
                given_name="Ada",
            )
        )
        self.facts = FakeAppointmentFacts()
        self.uow = FakeUnitOfWork()
        self.clock = FixedClock(NOW)
        self.visits = FakeVirtualVisits()
        self.messages = AppointmentMessages(self.outgoing, self.contacts, self.visits, ReminderSettings())

    def appointment(self, starts_at: datetime = STARTS_AT, **changes: Any) -> AppointmentDetails:
        details = AppointmentDetails(
            appointment_id=uuid4(),
            patient_id=PATIENT,
            status="booked",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=20),
            time_zone="Europe/London",
            clinic_name="Riverside Surgery",
            practitioner_name="Dr Grace Hopper",
            location_name="Riverside, room 2",
        )
        details = replace(details, **changes)
        self.facts.appointments[details.appointment_id] = details
        return details

    def booked(self) -> QueueBookingMessages:
        return QueueBookingMessages(self.facts, self.messages, self.uow, self.clock)

    def rescheduled(self) -> MoveAppointmentReminders:
        return MoveAppointmentReminders(self.facts, self.messages, self.uow, self.clock)

    def cancelled(self) -> CancelAppointmentReminders:
        return CancelAppointmentReminders(self.facts, self.messages, self.uow)


@pytest.fixture
def world() -> World:
    return World()


def booked_event(details: AppointmentDetails, starts_at: datetime | None = None, **extra: object) -> PublishedEvent:
    return published(
        "appointment.booked",
        details.appointment_id,
        appointment_id=details.appointment_id,
        patient_id=details.patient_id,
        starts_at=starts_at or details.starts_at,
        ends_at=details.ends_at,
        **extra,
    )


async def test_a_booking_gets_a_confirmation_now_and_two_reminders_at_their_utc_instants(world: World) -> None:
    details = world.appointment()
    await world.booked()(booked_event(details))

    [confirmation] = world.outgoing.live("appointment_confirmation")
    assert (confirmation.scheduled_for, confirmation.category, confirmation.event_type) == (
        None,
        "appointment",
        "appointment.booked",
    )
    assert confirmation.channel is Channel.SMS
    assert confirmation.appointment_id == details.appointment_id
    reminders = world.outgoing.live("appointment_reminder")
    assert [r.scheduled_for for r in reminders] == [STARTS_AT - timedelta(hours=72), STARTS_AT - timedelta(hours=24)]
    assert [r.dedup_key for r in reminders] == [
        f"reminder:{details.appointment_id}:72h:2026-10-27T14:30:00Z",
        f"reminder:{details.appointment_id}:24h:2026-10-27T14:30:00Z",
    ]
    assert {(r.category, r.event_type, r.appointment_id) for r in reminders} == {
        ("reminder", "appointment.reminder", details.appointment_id)
    }
    assert reminders[0].template_vars == {
        "patient_name": "Ada",
        "clinic_name": "Riverside Surgery",
        "appointment_date": "Tuesday 27 October",
        "appointment_time": "14:30",  # the 72 h reminder goes out in BST; the time is the visit's, in GMT
        "practitioner_name": "Dr Grace Hopper",
        "location_name": "Riverside, room 2",
        "reply_confirm": "C",
        "reply_cancel": "X",
    }
    assert world.uow.commits == 1


async def test_a_redelivered_booking_queues_nothing_new(world: World) -> None:
    details = world.appointment()
    event = booked_event(details)
    await world.booked()(event)
    await world.booked()(event)
    await world.booked()(booked_event(details))  # same facts, another event id
    assert len(world.outgoing.messages) == 3


async def test_summer_times_read_in_british_summer_time(world: World) -> None:
    details = world.appointment(starts_at=datetime(2026, 10, 24, 13, 30, tzinfo=UTC))
    await world.booked()(booked_event(details))
    [confirmation] = world.outgoing.live("appointment_confirmation")
    assert (confirmation.template_vars["appointment_date"], confirmation.template_vars["appointment_time"]) == (
        "Saturday 24 October",
        "14:30",
    )


async def test_a_booking_close_to_its_start_gets_only_the_reminders_still_ahead(world: World) -> None:
    soon = world.appointment(starts_at=NOW + timedelta(hours=30))
    await world.booked()(booked_event(soon))
    assert [str(r.dedup_key).split(":")[2] for r in world.outgoing.live("appointment_reminder")] == ["24h"]

    sooner = world.appointment(starts_at=NOW + timedelta(hours=24, minutes=30))
    await world.booked()(booked_event(sooner))
    assert [r.appointment_id for r in world.outgoing.live("appointment_reminder")] == [soon.appointment_id]


async def test_notify_patient_false_sends_no_confirmation_but_keeps_the_reminders(world: World) -> None:
    details = world.appointment(starts_at=NOW + timedelta(hours=24, minutes=30))
    await world.booked()(booked_event(details, notify_patient=False))
    assert world.outgoing.live("appointment_confirmation") == []
    assert [r.scheduled_for for r in world.outgoing.live("appointment_reminder")] == [NOW + timedelta(minutes=30)]


async def test_a_stale_or_gone_booking_queues_nothing(world: World) -> None:
    moved = world.appointment()
    await world.booked()(booked_event(moved, starts_at=STARTS_AT - timedelta(days=1)))
    cancelled = world.appointment(status="cancelled")
    await world.booked()(booked_event(cancelled))
    gone = world.appointment()
    del world.facts.appointments[gone.appointment_id]
    await world.booked()(booked_event(gone))
    assert world.outgoing.messages == []
    assert world.uow.commits == 0


async def test_a_patient_without_a_phone_gets_email_and_a_virtual_visit_its_join_link(world: World) -> None:
    world.contacts.contacts[PATIENT] = replace(world.contacts.contacts[PATIENT], phones=())
    details = world.appointment()
    world.visits.links[details.appointment_id] = "https://prm.example.org/visits/abc/join?token=t"
    await world.booked()(booked_event(details))
    assert {m.request.channel for m in world.outgoing.messages} == {Channel.EMAIL}
    variables = world.outgoing.live("appointment_reminder")[0].template_vars
    assert variables["join_url"] == "https://prm.example.org/visits/abc/join?token=t"
    assert "location_name" not in variables


async def test_rescheduling_cancels_the_pending_reminders_then_queues_new_ones_and_a_notice(world: World) -> None:
    details = world.appointment()
    await world.booked()(booked_event(details))
    new_start = STARTS_AT + timedelta(days=2, hours=1)
    world.facts.appointments[details.appointment_id] = replace(details, starts_at=new_start)
    event = published(
        "appointment.rescheduled",
        details.appointment_id,
        appointment_id=details.appointment_id,
        previous_starts_at=STARTS_AT,
        starts_at=new_start,
        ends_at=new_start + timedelta(minutes=20),
    )
    await world.rescheduled()(event)

    reminders = world.outgoing.live("appointment_reminder")
    assert [r.scheduled_for for r in reminders] == [new_start - timedelta(hours=72), new_start - timedelta(hours=24)]
    assert all("2026-10-29T15:30:00Z" in str(r.dedup_key) for r in reminders)
    assert [
        m.status
        for m in world.outgoing.messages
        if m.request.scheduled_for and m.request.dedup_key and "T14:30" in m.request.dedup_key
    ] == ["cancelled", "cancelled"]
    [notice] = world.outgoing.live("appointment_rescheduled")
    assert notice.template_vars["appointment_date"] == "Thursday 29 October"
    assert notice.template_vars["appointment_time"] == "15:30"
    assert len(world.outgoing.live("appointment_confirmation")) == 1  # not a reminder: not cancelled

    await world.rescheduled()(event)  # redelivered after a rollback: same keys
    assert len(world.outgoing.live("appointment_rescheduled")) == 1


async def test_a_stale_reschedule_only_cancels(world: World) -> None:
    details = world.appointment()
    await world.booked()(booked_event(details))
    event = published(
        "appointment.rescheduled",
        details.appointment_id,
        appointment_id=details.appointment_id,
        starts_at=NOW + timedelta(days=3),
    )
    await world.rescheduled()(event)
    assert world.outgoing.live("appointment_reminder") == []
    assert world.outgoing.live("appointment_rescheduled") == []


def cancelled_event(details: AppointmentDetails, *, notify_patient: bool) -> PublishedEvent:
    return published(
        "appointment.cancelled",
        details.appointment_id,
        appointment_id=details.appointment_id,
        starts_at=details.starts_at,
        ends_at=details.ends_at,
        reason="prov",
        notify_patient=notify_patient,
    )


async def test_cancelling_cancels_the_reminders_and_tells_the_patient_when_asked(world: World) -> None:
    details = world.appointment()
    await world.booked()(booked_event(details))
    world.facts.appointments[details.appointment_id] = replace(details, status="cancelled")
    await world.cancelled()(cancelled_event(details, notify_patient=True))
    assert world.outgoing.live("appointment_reminder") == []
    [notice] = world.outgoing.live("appointment_cancellation")
    assert notice.template_vars == {
        "patient_name": "Ada",
        "clinic_name": "Riverside Surgery",
        "appointment_date": "Tuesday 27 October",
        "appointment_time": "14:30",
        "practitioner_name": "Dr Grace Hopper",
    }
    assert notice.dedup_key == f"cancellation:{details.appointment_id}:2026-10-27T14:30:00Z"


async def test_a_cancellation_by_the_patients_own_reply_gets_no_notice(world: World) -> None:
    details = world.appointment()
    await world.booked()(booked_event(details))
    await world.cancelled()(cancelled_event(details, notify_patient=False))
    assert world.outgoing.live("appointment_reminder") == []
    assert world.outgoing.live("appointment_cancellation") == []


@pytest.mark.parametrize(
    ("event_type", "payload", "cancels"),
    [
        ("appointment.deleted", {}, True),
        ("appointment.no_show", {}, True),
        ("appointment.fulfilled", {}, True),
        ("appointment.status_changed", {"previous_status": "booked", "status": "entered-in-error"}, True),
        ("appointment.status_changed", {"previous_status": "pending", "status": "booked"}, False),
    ],
)
async def test_an_appointment_that_ends_or_goes_loses_its_pending_reminders(
    world: World, event_type: str, payload: dict[str, str], cancels: bool
) -> None:
    details = world.appointment()
    await world.booked()(booked_event(details))
    event = published(event_type, details.appointment_id, appointment_id=details.appointment_id, **payload)
    await StopAppointmentReminders(world.messages, world.uow)(event)
    assert len(world.outgoing.live("appointment_reminder")) == (2 if cancels is False else 0)


async def test_a_live_waitlist_offer_goes_to_the_patient_once(world: World) -> None:
    offer_id: UUID = uuid4()
    world.facts.offers[offer_id] = WaitlistOfferDetails(
        offer_id=offer_id,
        patient_id=PATIENT,
        starts_at=STARTS_AT,
        expires_at=NOW + timedelta(hours=2),
        time_zone="Europe/London",
        clinic_name="Riverside Surgery",
        practitioner_name="Dr Grace Hopper",
    )
    handler = SendWaitlistOffer(world.facts, world.outgoing, world.contacts, world.uow)
    event = published("waitlist.offer_made", offer_id, offer_id=offer_id, patient_id=PATIENT)
    await handler(event)
    await handler(event)
    [offer] = world.outgoing.live("waitlist_offer")
    assert (offer.category, offer.dedup_key, offer.template_vars["offer_expires_at"]) == (
        "waitlist",
        f"waitlist_offer:{offer_id}",
        "Tuesday 20 October, 11:00",
    )
    lapsed = uuid4()
    world.facts.offers[lapsed] = replace(world.facts.offers[offer_id], offer_id=lapsed, live=False)
    await handler(published("waitlist.offer_made", lapsed, offer_id=lapsed))
    assert len(world.outgoing.messages) == 1
