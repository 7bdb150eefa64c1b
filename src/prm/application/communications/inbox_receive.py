"""Apply one verified inbound message: store it, thread it, and act on what it says."""

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

import structlog

from prm.application.communications.contracts import (
    ConsentRecorder,
    InboundMessage,
    MessageRequest,
    OutgoingMessages,
    PatientContacts,
)
from prm.application.communications.inbox_ports import ClinicName, InboxMessages, StoredInbound, ThreadRepository
from prm.application.communications.reminders_ports import AppointmentFacts, AppointmentReplies
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.communications.channels import Channel
from prm.domain.communications.consent import CONSENT_CONFIRMATION, DIRECT_REPLY
from prm.domain.communications.inbox import (
    REPLY_WINDOW,
    Action,
    ReminderAnswer,
    Route,
    SenderMatch,
    decide,
    match_sender,
    storable,
)
from prm.domain.communications.inbox_answers import appointment_when, reply_answer
from prm.domain.communications.keywords import KeywordAction, confirmation
from prm.domain.communications.reminders import ReplyOutcome
from prm.domain.communications.threads import Thread
from prm.domain.shared.ids import PatientId, new_id

KEYWORD_ACTIONS = frozenset({Action.OPT_OUT, Action.OPT_IN, Action.HELP})
"""Answers that confirm a keyword: they go whatever the consent (CTIA: a STOP is confirmed once)."""

log = structlog.get_logger(__name__)

ANSWER_CATEGORY = "general"
"""The category of PRM's own answers (consent confirmations, reminder answers)."""

KEYWORD_SOURCE = "inbound_keyword:{channel}"
"""``source`` of a consent change a keyword made."""

_KEYWORDS = {
    Action.OPT_OUT: KeywordAction.OPT_OUT,
    Action.OPT_IN: KeywordAction.OPT_IN,
    Action.HELP: KeywordAction.HELP,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceivedInbound:
    """What became of an inbound message: ``duplicate`` when the provider had delivered it before
    (nothing applied again); else its id, thread, patient (``None``: unmatched) and the action."""

    duplicate: bool
    message_id: UUID | None = None
    thread_id: UUID | None = None
    patient_id: PatientId | None = None
    action: Action | None = None
    answer_id: UUID | None = None


class ReceiveInboundMessage:
    """Store an inbound SMS, WhatsApp message or email reply (``direction`` inbound, ``status``
    received) in its thread, whatever it says, then act on it:

    - the sender's phone (or email) is matched to patients (:func:`match_sender`): one patient, or
      of a shared phone the one the message answers; else the unmatched queue, with the candidates;
    - STOP-family words opt every patient with the phone out of the channel (``ConsentRecorder``)
      and one confirmation (the consent part's text) goes back when that changed something;
      START/UNSTOP opt in; HELP answers;
    - ``C``/``YES``/``1`` or ``X``/``NO``/``2`` after a reminder confirm or cancel its appointment
      (``AppointmentReplies``) and the patient is told what happened;
    - anything else waits in the thread, unread, for staff.

    A provider message id seen before is applied once (a redelivered webhook answers
    ``duplicate``). Commits once: the inbound message, an appointment's change and the answer
    go together (``AppointmentReplies`` joins this transaction), or none of them does.
    """

    def __init__(
        self,
        threads: ThreadRepository,
        messages: InboxMessages,
        contacts: PatientContacts,
        consent: ConsentRecorder,
        replies: AppointmentReplies,
        appointments: AppointmentFacts,
        outgoing: OutgoingMessages,
        clinic: ClinicName,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._threads = threads
        self._messages = messages
        self._contacts = contacts
        self._consent = consent
        self._replies = replies
        self._appointments = appointments
        self._outgoing = outgoing
        self._clinic = clinic
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, inbound: InboundMessage) -> ReceivedInbound:
        inbound = replace(inbound, body=storable(inbound.body))
        now = self._clock.now()
        message_id = new_id()
        if not await self._messages.first_receipt(inbound.provider, inbound.provider_message_id, message_id, now):
            log.info("inbound_message.duplicate", provider=inbound.provider, channel=inbound.channel.value)
            return ReceivedInbound(duplicate=True)
        match = await self._match(inbound, now)
        language = await self._language(match.patient_id)
        last = None
        if match.patient_id is not None:
            last = await self._messages.last_sent_to_patient(match.patient_id, inbound.channel, now - REPLY_WINDOW)
        route = decide(inbound.body, match, language=language, last_outbound=last, now=now)
        thread = await self._thread(inbound, match, route, now)
        await self._messages.store(
            StoredInbound(
                id=message_id,
                message=inbound,
                patient_id=match.patient_id,
                thread_id=thread.id,
                reply_to_id=route.answers,
                handled_as=route.action.value,
                stored_at=now,
            )
        )
        answer = await self._act(route, inbound, match, language, now)
        answer_id = None
        if answer is not None:
            answer_id = await self._outgoing.queue(
                MessageRequest(
                    patient_id=match.patient_id,
                    channel=inbound.channel,
                    recipient=inbound.sender,
                    body=answer,
                    category=ANSWER_CATEGORY,
                    event_type=CONSENT_CONFIRMATION if route.action in KEYWORD_ACTIONS else DIRECT_REPLY,
                    thread_id=thread.id,
                    reply_to_id=message_id,
                )
            )
            version = thread.version
            thread.sent(self._clock.now())
            await self._threads.save(thread, expected_version=version)
        await self._uow.commit()
        log.info(
            "inbound_message.received",
            communication_id=str(message_id),
            thread_id=str(thread.id),
            channel=inbound.channel.value,
            matched=match.patient_id is not None,
            candidates=len(match.candidates),
            action=route.action.value,
        )
        return ReceivedInbound(
            duplicate=False,
            message_id=message_id,
            thread_id=thread.id,
            patient_id=match.patient_id,
            action=route.action,
            answer_id=answer_id,
        )

    async def _match(self, inbound: InboundMessage, now: datetime) -> SenderMatch:
        if inbound.channel is Channel.EMAIL:
            candidates = await self._contacts.by_email(inbound.sender)
        else:
            candidates = await self._contacts.by_phone(inbound.sender)
        if len(set(candidates)) < 2:
            return match_sender(candidates, None)
        answered = None
        if inbound.in_reply_to:
            answered = await self._messages.sent_by_provider_id(inbound.provider, inbound.in_reply_to)
        if answered is None or answered.patient_id not in candidates:
            answered = await self._messages.last_sent_to_address(inbound.channel, inbound.sender, now - REPLY_WINDOW)
        return match_sender(candidates, answered.patient_id if answered is not None else None)

    async def _language(self, patient_id: PatientId | None) -> str | None:
        if patient_id is None:
            return None
        contact = await self._contacts.get(patient_id)
        return contact.preferred_language if contact is not None else None

    async def _thread(self, inbound: InboundMessage, match: SenderMatch, route: Route, now: datetime) -> Thread:
        if match.patient_id is not None:
            thread = await self._threads.of_patient(match.patient_id, inbound.channel)
        else:
            thread = await self._threads.unmatched(inbound.channel, inbound.sender)
        for_staff = route.for_staff or match.patient_id is None
        if thread is None:
            thread = Thread.start(
                tenant_id=self._context.tenant_id,
                patient_id=match.patient_id,
                channel=inbound.channel,
                address=inbound.sender,
                now=now,
                candidates=match.candidates,
            )
            thread.receive(at=inbound.received_at, address=inbound.sender, for_staff=for_staff, now=now)
            await self._threads.add(thread)
            thread.changed.clear()
            return thread
        version = thread.version
        thread.receive(at=inbound.received_at, address=inbound.sender, for_staff=for_staff, now=now)
        thread.note_candidates(match.candidates, now)
        await self._threads.save(thread, expected_version=version)
        return thread

    async def _act(
        self, route: Route, inbound: InboundMessage, match: SenderMatch, language: str | None, now: datetime
    ) -> str | None:
        """Apply the route; the answer to send, if any."""
        source = KEYWORD_SOURCE.format(channel=inbound.channel.value)
        if route.action is Action.OPT_OUT or route.action is Action.OPT_IN:
            record = self._consent.opt_out if route.action is Action.OPT_OUT else self._consent.opt_in
            changed = False
            for patient_id in route.patients:
                changed = await record(patient_id, inbound.channel, source=source, at=now) or changed
            return confirmation(_KEYWORDS[route.action], clinic=await self._clinic.name()) if changed else None
        if route.action is Action.HELP:
            return confirmation(KeywordAction.HELP, clinic=await self._clinic.name())
        if route.appointment_id is not None and match.patient_id is not None:
            details = await self._appointments.appointment(route.appointment_id)
            if route.action is Action.CONFIRM_APPOINTMENT:
                answer, outcome = (
                    ReminderAnswer.CONFIRM,
                    await self._replies.confirm(route.appointment_id, match.patient_id),
                )
            else:
                answer, outcome = (
                    ReminderAnswer.CANCEL,
                    await self._replies.cancel(route.appointment_id, match.patient_id),
                )
            log.info("reminder_reply.applied", appointment_id=str(route.appointment_id), outcome=outcome.value)
            when = None
            if details is not None and outcome is not ReplyOutcome.NOT_FOUND:
                when = appointment_when(details.starts_at, details.time_zone, language)
            return reply_answer(answer, outcome, when, language)
        return None
