"""Receiving an inbound message, with fakes of the ports: threading, matching, keywords, reminder
replies and the answers PRM sends."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from prm.application.communications.contracts import InboundMessage, PatientContact
from prm.application.communications.inbox_ports import SentTo
from prm.application.communications.inbox_receive import ReceiveInboundMessage
from prm.application.communications.inbox_thread_link import LinkThread
from prm.application.communications.reminders_ports import AppointmentDetails
from prm.application.shared.context import SYSTEM, RequestContext
from prm.domain.communications.channels import Channel
from prm.domain.communications.inbox import Action, RecentOutbound
from prm.domain.communications.keywords import KeywordAction, confirmation
from prm.domain.communications.reminders import ReplyOutcome
from prm.domain.communications.threads import ThreadAlreadyLinked
from prm.domain.shared.ids import PatientId, TenantId
from tests.fakes import FakeUnitOfWork, FixedClock, InMemoryAuditTrail
from tests.unit.communications.inbox_fakes import (
    FakeAppointments,
    FakeClinic,
    FakeConsent,
    FakeContacts,
    FakeReplies,
    InMemoryInboxMessages,
    InMemoryThreads,
    RecordingOutgoing,
)

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
TENANT = TenantId(uuid4())
PHONE, SHARED, STRANGER = "+447700900123", "+447700900456", "+447700900999"
ADA = PatientContact(patient_id=PatientId(uuid4()), phones=(PHONE,), emails=(), preferred_language=None, active=True)
BEA = PatientContact(patient_id=PatientId(uuid4()), phones=(SHARED,), emails=(), preferred_language="es", active=True)
CAL = PatientContact(patient_id=PatientId(uuid4()), phones=(SHARED,), emails=(), preferred_language=None, active=True)
APPOINTMENT = uuid4()


@dataclass
class Inbox:
    receive: ReceiveInboundMessage
    threads: InMemoryThreads
    messages: InMemoryInboxMessages
    consent: FakeConsent
    replies: FakeReplies
    outgoing: RecordingOutgoing
    uow: FakeUnitOfWork
    contacts: FakeContacts


@pytest.fixture
def inbox() -> Inbox:
    threads, messages, consent, replies = InMemoryThreads(), InMemoryInboxMessages(), FakeConsent(), FakeReplies()
    outgoing, uow, contacts = RecordingOutgoing(), FakeUnitOfWork(), FakeContacts(ADA, BEA, CAL)
    details = AppointmentDetails(
        appointment_id=APPOINTMENT,
        patient_id=ADA.patient_id,
        status="booked",
        starts_at=datetime(2026, 12, 8, 14, 30, tzinfo=UTC),
        ends_at=datetime(2026, 12, 8, 15, 0, tzinfo=UTC),
        time_zone="Europe/London",
        clinic_name="Clinic",
    )
    receive = ReceiveInboundMessage(
        threads,
        messages,
        contacts,
        consent,
        replies,
        FakeAppointments(details),
        outgoing,
        FakeClinic("Harley Street Clinic"),
        uow,
        FixedClock(NOW),
        RequestContext(tenant_id=TENANT, principal=SYSTEM),
    )
    return Inbox(receive, threads, messages, consent, replies, outgoing, uow, contacts)


def sms(body: str, sender: str = PHONE, sid: str | None = None, in_reply_to: str | None = None) -> InboundMessage:
    return InboundMessage(
        provider="twilio",
        channel=Channel.SMS,
        provider_message_id=sid or f"SM{uuid4().hex}",
        sender=sender,
        recipient="+15005550006",
        body=body,
        received_at=NOW,
        in_reply_to=in_reply_to,
    )


def reminded(inbox: Inbox, patient: PatientContact, hours_ago: int = 2) -> RecentOutbound:
    sent = RecentOutbound(uuid4(), "reminder", APPOINTMENT, NOW - timedelta(hours=hours_ago))
    inbox.messages.last_to_patient[patient.patient_id] = sent
    return sent


async def test_a_c_after_a_reminder_confirms_and_answers_on_the_thread(inbox: Inbox) -> None:
    reminder = reminded(inbox, ADA)
    got = await inbox.receive(sms(" c "))
    assert (got.action, got.patient_id) == (Action.CONFIRM_APPOINTMENT, ADA.patient_id)
    assert inbox.replies.calls == [("confirm", APPOINTMENT, ADA.patient_id)]
    [answer] = inbox.outgoing.queued
    assert answer.body == "Thank you, your appointment on Tuesday 8 December at 14:30 is confirmed."
    assert (answer.recipient, answer.thread_id, answer.reply_to_id) == (PHONE, got.thread_id, got.message_id)
    [stored] = inbox.messages.stored
    assert (stored.reply_to_id, stored.handled_as) == (reminder.message_id, "confirm_appointment")
    thread = inbox.threads.rows[stored.thread_id]
    assert (thread.patient_id, thread.unread_count, thread.last_inbound_at) == (ADA.patient_id, 0, NOW)


async def test_an_appointment_that_can_no_longer_change_gets_a_polite_answer(inbox: Inbox) -> None:
    reminded(inbox, ADA)
    inbox.replies.outcome = ReplyOutcome.TOO_LATE
    await inbox.receive(sms("X"))
    [answer] = inbox.outgoing.queued
    assert answer.body is not None
    assert "could not change" in answer.body
    assert "call us" in answer.body


async def test_anything_else_waits_unread_for_staff(inbox: Inbox) -> None:
    reminded(inbox, ADA)
    first = await inbox.receive(sms("Can I come at 3 instead?"))
    second = await inbox.receive(sms("Thanks"))
    assert first.action is Action.FOR_STAFF
    assert first.thread_id == second.thread_id
    assert inbox.threads.rows[first.thread_id].unread_count == 2  # type: ignore[index]
    assert inbox.outgoing.queued == []
    assert inbox.replies.calls == []


async def test_stop_opts_out_and_confirms_once(inbox: Inbox) -> None:
    await inbox.receive(sms("STOP"))
    await inbox.receive(sms("stop"))
    assert inbox.consent.calls == [
        ("opt_out", ADA.patient_id, Channel.SMS, "inbound_keyword:sms"),
        ("opt_out", ADA.patient_id, Channel.SMS, "inbound_keyword:sms"),
    ]
    assert [q.body for q in inbox.outgoing.queued] == [
        confirmation(KeywordAction.OPT_OUT, clinic="Harley Street Clinic")
    ]


async def test_stop_from_a_shared_phone_opts_out_everyone_on_it(inbox: Inbox) -> None:
    got = await inbox.receive(sms("Stop.", sender=SHARED))
    assert got.patient_id is None
    assert {c[1] for c in inbox.consent.calls} == {BEA.patient_id, CAL.patient_id}
    assert len(inbox.outgoing.queued) == 1


async def test_a_shared_phone_answering_one_of_them_is_that_patient(inbox: Inbox) -> None:
    inbox.messages.outbound_by_provider_id["wamid.OUT"] = SentTo(uuid4(), CAL.patient_id)
    got = await inbox.receive(sms("see you then", sender=SHARED, in_reply_to="wamid.OUT"))
    assert got.patient_id == CAL.patient_id


async def test_a_shared_phone_without_a_clue_goes_unmatched_with_its_candidates(inbox: Inbox) -> None:
    got = await inbox.receive(sms("who is this?", sender=SHARED))
    thread = inbox.threads.rows[got.thread_id]  # type: ignore[index]
    assert (thread.patient_id, set(thread.candidate_patient_ids), thread.unread_count) == (
        None,
        {BEA.patient_id, CAL.patient_id},
        1,
    )


async def test_the_same_provider_message_twice_is_applied_once(inbox: Inbox) -> None:
    reminded(inbox, ADA)
    first = await inbox.receive(sms("C", sid="SM1"))
    again = await inbox.receive(sms("C", sid="SM1"))
    assert (first.duplicate, again.duplicate) == (False, True)
    assert len(inbox.messages.stored) == len(inbox.replies.calls) == len(inbox.outgoing.queued) == 1


async def test_an_unknown_sender_is_unmatched_and_can_be_linked_into_the_patients_thread(inbox: Inbox) -> None:
    known = await inbox.receive(sms("hello", sender=PHONE))
    unknown = await inbox.receive(sms("it is Ada, new phone", sender=STRANGER))
    assert unknown.patient_id is None
    assert unknown.thread_id != known.thread_id
    link = LinkThread(inbox.threads, inbox.messages, inbox.contacts, InMemoryAuditTrail(), inbox.uow, FixedClock(NOW))
    merged = await link(unknown.thread_id, ADA.patient_id)  # type: ignore[arg-type]
    assert merged.id == known.thread_id
    assert merged.unread_count == 2
    assert merged.address == STRANGER
    assert unknown.thread_id not in inbox.threads.rows
    assert {s.patient_id for s in inbox.messages.stored} == {ADA.patient_id}
    with pytest.raises(ThreadAlreadyLinked):
        await link(merged.id, ADA.patient_id)


async def test_a_spanish_speaker_is_answered_in_spanish(inbox: Inbox) -> None:
    inbox.contacts.patients[BEA.patient_id] = PatientContact(
        patient_id=BEA.patient_id, phones=("+34600000001",), emails=(), preferred_language="es-ES", active=True
    )
    reminded(inbox, BEA)
    await inbox.receive(sms("Sí", sender="+34600000001"))
    [answer] = inbox.outgoing.queued
    assert answer.body is not None
    assert answer.body.startswith("Gracias, su cita del 08/12 a las 14:30")
