"""Queueing an outgoing message: :class:`QueueMessage` implements the contract's
:class:`~prm.application.communications.contracts.OutgoingMessages` for the other parts
(reminders, inbox replies, campaigns) in *their* unit of work, and :class:`CreateCommunication`
is ``POST /communications`` on top of it."""

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import structlog

from prm.application.communications.contracts import (
    CaregiverContacts,
    MessageRequest,
    NoCaregivers,
    OutgoingMessages,
    PatientContact,
    PatientContacts,
    TemplateRenderer,
)
from prm.application.communications.messages_ports import DISPATCH_TASK, MessageRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.jobs import JobScheduler
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.communications.channels import Channel, MessageStatus
from prm.domain.communications.consent import CONSENT_CONFIRMATION, DIRECT_REPLY
from prm.domain.communications.errors import TemplateNotFound, TemplateRenderFailed
from prm.domain.communications.messages import InvalidMessage, Message
from prm.domain.shared.contact import normalize_email, normalize_phone
from prm.domain.shared.errors import PatientNotFound, RuleViolated
from prm.domain.shared.ids import PatientId

log = structlog.get_logger(__name__)

ENTITY = "communication"
"""The audit trail's entity type of a message."""

NO_ADDRESS = "no_address:{channel}"
PATIENT_INACTIVE = "patient_inactive"
NOT_FOR_CAREGIVERS = frozenset({CONSENT_CONFIRMATION, DIRECT_REPLY})
"""Event types answered to whoever wrote to us: never copied to caregivers."""


def copies_to_caregivers(request: MessageRequest) -> bool:
    """Whether the patient's caregivers get a copy of ``request``: a message to the patient at the
    patient's own address (no explicit ``recipient``), not a reply in a conversation (thread,
    reply, keyword confirmation, direct reply) and not part of a campaign (whose figures count
    patients)."""
    return (
        request.patient_id is not None
        and request.recipient is None
        and request.thread_id is None
        and request.reply_to_id is None
        and request.campaign_id is None
        and request.event_type not in NOT_FOR_CAREGIVERS
    )


def caregiver_dedup_key(dedup_key: str | None, caregiver_id: UUID) -> str | None:
    """The copy's ``dedup_key``: derived from the original's (so a repeated request copies once),
    short enough for the column whatever the original's length."""
    if dedup_key is None:
        return None
    return f"caregiver:{caregiver_id.hex}:{hashlib.sha256(dedup_key.encode()).hexdigest()[:32]}"


def dispatch_key(at: datetime | None) -> str:
    """The job key of the dispatch due at ``at`` (``None``: now): one waiting job per second."""
    return DISPATCH_TASK if at is None else f"{DISPATCH_TASK}@{at.astimezone(UTC):%Y%m%dT%H%M%S}"


def schedule_dispatch(scheduler: JobScheduler, at: datetime | None, now: datetime) -> None:
    """Have the tenant's due messages sent at ``at`` (``None`` or past: as soon as possible)."""
    if at is None or at <= now:
        scheduler.schedule(DISPATCH_TASK, {}, key=DISPATCH_TASK)
        return
    whole = at.replace(microsecond=0) + (timedelta(seconds=1) if at.microsecond else timedelta())
    scheduler.schedule(DISPATCH_TASK, {}, at=whole, key=dispatch_key(whole))


def normalize_recipient(channel: Channel, raw: str, region: str) -> str:
    """E.164 for SMS and WhatsApp, a normalised address for email; raises ``RuleViolated``
    naming ``recipient``."""
    if channel is Channel.EMAIL:
        return normalize_email(raw, field="recipient")
    return normalize_phone(raw, region, field="recipient")


def default_recipient(channel: Channel, patient: PatientContact | None) -> str | None:
    """The patient's first phone (mobile first) for SMS and WhatsApp, first email for email."""
    if patient is None:
        return None
    found = patient.emails if channel is Channel.EMAIL else patient.phones
    return found[0] if found else None


@dataclass(frozen=True, slots=True)
class _Prepared:
    recipient: str | None
    subject: str | None
    body: str | None
    template_language: str | None
    category: str
    reason: str | None = None
    status: MessageStatus | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


class QueueMessage(OutgoingMessages):
    """Stores an outgoing message in the caller's unit of work and schedules its send; never
    commits. ``strict`` (the HTTP create) raises what a person can fix (422 naming
    ``recipient``, ``template_name``, ``template_vars``, ``message``); otherwise a message that
    can never go is stored ``blocked`` (no address, patient inactive) or ``failed`` (a template
    that does not render) with the reason, so other parts' jobs do not fail over it.

    - ``dedup_key``: a second request with the key returns the first message's id.
    - Unknown ``patient_id``: ``PatientNotFound`` (404), strict or not.
    - Templates render in the patient's preferred language (``TemplateRenderer`` falls back to
      the tenant's default), with ``patient_name`` (given name) unless the variables give one.
    - Records a ``create`` audit event and the message's ``communication.queued`` /
      ``communication.scheduled`` event (ids only).
    - Caregivers (issue 13): when :func:`copies_to_caregivers` holds, each of the patient's
      caregivers who receives the patient's communications on the channel (``CaregiverContacts``)
      gets a copy: the same message, about the same patient, to the caregiver's address. The
      dispatch applies the *patient's* consent, preferences and quiet hours for the channel to
      every copy (a patient who opted out of SMS opts their caregivers' SMS copies out too). No
      copy goes for a message that can never go for the patient (failed template, inactive
      patient); a patient without an address on the channel is blocked while the copies go.
    """

    def __init__(
        self,
        messages: MessageRepository,
        contacts: PatientContacts,
        renderer: TemplateRenderer,
        scheduler: JobScheduler,
        outbox: Outbox,
        audit: AuditTrail,
        context: RequestContext,
        clock: Clock,
        caregivers: CaregiverContacts = NoCaregivers(),
    ) -> None:
        self._messages = messages
        self._contacts = contacts
        self._renderer = renderer
        self._scheduler = scheduler
        self._outbox = outbox
        self._audit = audit
        self._context = context
        self._clock = clock
        self._caregivers = caregivers

    async def queue(self, request: MessageRequest) -> UUID:
        return (await self.store(request, strict=False)).id

    async def store(self, request: MessageRequest, *, strict: bool) -> Message:
        """:meth:`queue`, answering the message (see the class for ``strict``)."""
        if request.dedup_key:
            existing = await self._messages.by_dedup_key(request.dedup_key)
            if existing is not None:
                return existing
        now = self._clock.now()
        patient = await self._patient(request.patient_id)
        prepared = await self._prepare(request, patient, strict=strict)
        links: dict[str, Any] = {
            "template_name": request.template_name,
            "template_language": prepared.template_language,
            "category": prepared.category,
            "event_type": request.event_type,
            "appointment_id": request.appointment_id,
            "journey_instance_id": request.journey_instance_id,
            "campaign_id": request.campaign_id,
            "thread_id": request.thread_id,
            "reply_to_id": request.reply_to_id,
            "dedup_key": request.dedup_key,
        }
        if prepared.status is not None:
            message = Message.failed_before_sending(
                reason=prepared.reason or prepared.status.value,
                status=prepared.status,
                now=now,
                tenant_id=self._context.tenant_id,
                patient_id=request.patient_id,
                channel=request.channel,
                recipient=prepared.recipient or "",
                subject=prepared.subject,
                body=prepared.body or "",
                scheduled_for=request.scheduled_for,
                **links,
            )
        else:
            assert prepared.recipient is not None  # _prepare's contract when it sets no status
            assert prepared.body is not None
            message = Message.outgoing(
                tenant_id=self._context.tenant_id,
                patient_id=request.patient_id,
                channel=request.channel,
                recipient=prepared.recipient,
                subject=prepared.subject,
                body=prepared.body,
                scheduled_for=request.scheduled_for,
                now=now,
                **links,
            )
            schedule_dispatch(self._scheduler, message.due_at, now)
        await self._messages.add(message)
        await self._outbox.add(message.events)
        message.events.clear()
        await self._audit.record(AuditAction.CREATE, ENTITY, [message.id])
        log.info(
            "communication.created",
            communication_id=str(message.id),
            channel=message.channel.value,
            status=message.status.value,
        )
        if prepared.status is None or prepared.reason == NO_ADDRESS.format(channel=request.channel.value):
            await self._copy_to_caregivers(request, prepared, links, now)
        return message

    async def _copy_to_caregivers(
        self, request: MessageRequest, prepared: _Prepared, links: Mapping[str, Any], now: datetime
    ) -> None:
        if not copies_to_caregivers(request) or prepared.body is None:
            return
        assert request.patient_id is not None  # copies_to_caregivers' contract
        recipients = await self._caregivers.recipients(
            request.patient_id, request.channel, now.date(), exclude=prepared.recipient
        )
        copies = [
            Message.outgoing(
                tenant_id=self._context.tenant_id,
                patient_id=request.patient_id,
                channel=request.channel,
                recipient=caregiver.address,
                subject=prepared.subject,
                body=prepared.body,
                scheduled_for=request.scheduled_for,
                now=now,
                **{**links, "dedup_key": caregiver_dedup_key(request.dedup_key, caregiver.caregiver_id)},
            )
            for caregiver in recipients
        ]
        for copy in copies:
            await self._messages.add(copy)
            await self._outbox.add(copy.events)
            copy.events.clear()
        if copies:
            schedule_dispatch(self._scheduler, copies[0].due_at, now)
            await self._audit.record(AuditAction.CREATE, ENTITY, [c.id for c in copies])
            log.info("communication.copied_to_caregivers", count=len(copies))

    async def cancel_pending(self, *, appointment_id: UUID, categories: Sequence[str]) -> int:
        now = self._clock.now()
        cancelled = []
        for message in await self._messages.unsent_of_appointment(appointment_id, categories):
            version = message.version
            if message.cancel(now):
                cancelled.append((message, version))
        await self._messages.save_many(cancelled)
        for message, _ in cancelled:
            await self._outbox.add(message.events)
            message.events.clear()
        if cancelled:
            await self._audit.record(AuditAction.UPDATE, ENTITY, [m.id for m, _ in cancelled], ["status"])
        return len(cancelled)

    async def _patient(self, patient_id: PatientId | None) -> PatientContact | None:
        if patient_id is None:
            return None
        patient = await self._contacts.get(patient_id)
        if patient is None:
            raise PatientNotFound(f"patient {patient_id} not found")
        return patient

    async def _prepare(self, request: MessageRequest, patient: PatientContact | None, *, strict: bool) -> _Prepared:
        channel = request.channel
        recipient = request.recipient
        if recipient is not None:
            recipient = normalize_recipient(channel, recipient, self._context.phone_region)
        else:
            recipient = default_recipient(channel, patient)
        subject, body, language, category = request.subject, request.body, None, request.category
        if body is not None and request.template_name is not None:
            raise InvalidMessage("give either message or template_name, not both", field="message")
        if body is None and request.template_name is None:
            raise InvalidMessage("give message or template_name", field="message")
        failure: str | None = None
        if request.template_name is not None:
            variables = dict(request.template_vars)
            if patient is not None and patient.given_name and "patient_name" not in variables:
                variables["patient_name"] = patient.given_name
            try:
                rendered = await self._renderer.render(
                    name=request.template_name,
                    channel=channel,
                    language=patient.preferred_language if patient else None,
                    variables=variables,
                )
            except TemplateNotFound as exc:
                if strict:
                    raise RuleViolated(exc.detail, field="template_name") from exc
                failure = f"template_not_found: {exc.detail}"
            except TemplateRenderFailed as exc:
                if strict:
                    raise TemplateRenderFailed(exc.detail, field="template_vars") from exc
                failure = f"template_render_failed: {exc.detail}"
            else:
                subject = subject if subject is not None else rendered.subject
                body, language = rendered.body, rendered.language
                if request.category == "general":
                    category = rendered.category
        if failure is not None:
            return _Prepared(recipient, subject, None, None, category, failure, MessageStatus.FAILED)
        if recipient is None:
            if strict:
                raise InvalidMessage(f"the patient has no address for {channel.value}: give one", field="recipient")
            return _Prepared(
                None, subject, body, language, category, NO_ADDRESS.format(channel=channel.value), MessageStatus.BLOCKED
            )
        if patient is not None and not patient.active:
            return _Prepared(recipient, subject, body, language, category, PATIENT_INACTIVE, MessageStatus.BLOCKED)
        return _Prepared(recipient, subject, body, language, category)


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateCommunicationCommand:
    """``POST /communications``: ``tenant_id`` as given in the body (the caller's own, or absent)."""

    request: MessageRequest
    tenant_id: UUID | None = None


class CreateCommunication:
    """Create and queue one message (``scheduled`` for a future ``scheduled_for``, else
    ``queued``; ``blocked`` for an inactive patient), commit, and answer it. Raises
    ``TenantMismatch`` (403) for another tenant's ``tenant_id``, ``PatientNotFound`` (404),
    and ``RuleViolated`` (422) naming ``recipient``, ``message``, ``subject``,
    ``template_name`` or ``template_vars``."""

    def __init__(self, queue: QueueMessage, context: RequestContext, uow: UnitOfWork) -> None:
        self._queue = queue
        self._context = context
        self._uow = uow

    async def __call__(self, command: CreateCommunicationCommand) -> Message:
        self._context.ensure_tenant(command.tenant_id)
        message = await self._queue.store(command.request, strict=True)
        await self._uow.commit()
        return message
