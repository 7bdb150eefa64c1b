"""A communication (FHIR R4 ``Communication``): one message to or from a patient on one channel,
and the rules of its life.

Outgoing: ``scheduled`` (waits for ``scheduled_for``) or ``queued`` (due) -> ``sending`` (an
attempt is recorded before the provider is called) -> ``sent`` (the provider accepted it) ->
``delivered`` -> ``read``; or ``failed``, ``blocked`` (consent, preference, no address, patient
inactive) or ``cancelled``, which it never leaves (:data:`FINAL_STATUSES`). Incoming:
``received``, then ``read`` when staff read it.

Two kinds of change move a message:

- staff, through ``PATCH`` (:meth:`Message.change_status`): only the transitions of
  :data:`MANUAL_TRANSITIONS` (cancel what has not gone; mark sent ones delivered or read; fail
  anything not yet delivered, with an ``error_message``); else 409 naming ``status``;
- providers' status callbacks (:meth:`Message.apply_callback`), which arrive late, twice or out of
  order (Twilio and Meta both say so): a message only moves forward along
  :data:`~prm.domain.communications.channels.PROGRESS_ORDER`, so a ``delivered`` after ``read``
  changes nothing, and a ``failed`` after ``delivered`` is recorded but ignored.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NewType
from uuid import UUID

from prm.domain.communications.channels import FINAL_STATUSES, PROGRESS_ORDER, Channel, Direction, MessageStatus
from prm.domain.communications.events import STATUS_EVENTS, CommunicationBlocked, CommunicationFailed
from prm.domain.shared.errors import Conflict, RuleViolated
from prm.domain.shared.ids import PatientId, TenantId, new_id

MessageId = NewType("MessageId", UUID)

BODY_LIMITS: dict[Channel, int] = {
    Channel.SMS: 1600,  # Twilio's Messages resource refuses longer bodies (error 21617)
    Channel.WHATSAPP: 4096,  # WhatsApp Cloud API: text.body at most 4,096 characters
    Channel.EMAIL: 100_000,  # ours: an email is a letter, not a document
}
"""Longest body per channel, in characters (Unicode code points)."""

MAX_SUBJECT_LENGTH = 998
"""RFC 5322's longest header line."""

MAX_REASON_LENGTH = 500
MAX_ATTEMPTS = 8
"""Attempts at the provider before a message that keeps failing transiently fails for good."""

UNSENT = frozenset({MessageStatus.PENDING, MessageStatus.SCHEDULED, MessageStatus.QUEUED})
"""Not handed to a provider yet (cancellable; a send job will pick them up when due)."""

MANUAL_TRANSITIONS: dict[MessageStatus, frozenset[MessageStatus]] = {
    MessageStatus.PENDING: frozenset({MessageStatus.CANCELLED, MessageStatus.FAILED}),
    MessageStatus.SCHEDULED: frozenset({MessageStatus.CANCELLED, MessageStatus.FAILED}),
    MessageStatus.QUEUED: frozenset({MessageStatus.CANCELLED, MessageStatus.FAILED}),
    MessageStatus.SENDING: frozenset({MessageStatus.FAILED}),
    MessageStatus.SENT: frozenset({MessageStatus.DELIVERED, MessageStatus.READ, MessageStatus.FAILED}),
    MessageStatus.DELIVERED: frozenset({MessageStatus.READ}),
    MessageStatus.READ: frozenset(),
    MessageStatus.RECEIVED: frozenset({MessageStatus.READ}),
    MessageStatus.FAILED: frozenset(),
    MessageStatus.BLOCKED: frozenset(),
    MessageStatus.CANCELLED: frozenset(),
}
"""What ``PATCH /communications/{id}`` may do from each status (the same status again is a no-op)."""


class InvalidMessage(RuleViolated):
    """A message that cannot be sent as asked (HTTP 422 naming the field)."""

    code = "communications.invalid_message"


class TransitionNotAllowed(Conflict):
    """The status change does not make sense from the message's current status (HTTP 409); the
    field is ``status``."""

    code = "communications.transition_not_allowed"
    field = "status"


class DuplicateDedupKey(Conflict):
    """Two requests with the same ``dedup_key`` raced (HTTP 409): the first one's message stands."""

    code = "communications.duplicate_dedup_key"


def check_body(channel: Channel, body: str, *, field: str = "message") -> str:
    """``body`` if it is not blank and within the channel's :data:`BODY_LIMITS`; raises
    :class:`InvalidMessage` naming ``field``."""
    if not body.strip():
        raise InvalidMessage("the message is empty", field=field)
    limit = BODY_LIMITS[channel]
    if len(body) > limit:
        raise InvalidMessage(f"a {channel.value} message is at most {limit} characters", field=field)
    return body


def check_subject(channel: Channel, subject: str | None) -> str | None:
    """The subject, kept for email only (other channels have none); at most
    :data:`MAX_SUBJECT_LENGTH` characters, no line breaks."""
    if subject is None or channel is not Channel.EMAIL:
        return subject if channel is Channel.EMAIL else None
    if len(subject) > MAX_SUBJECT_LENGTH or "\n" in subject or "\r" in subject:
        raise InvalidMessage(f"subject is one line of at most {MAX_SUBJECT_LENGTH} characters", field="subject")
    return subject


def _reason(text: str | None) -> str | None:
    return text[:MAX_REASON_LENGTH] if text else text


@dataclass(kw_only=True, eq=False)
class Message:
    """A communication of the tenant. ``due_at`` is when the worker should next look at it: its
    send time while ``scheduled``/``queued``, the end of the attempt's lease while ``sending``
    (recovery looks it up at the provider after that), ``None`` otherwise."""

    id: MessageId
    tenant_id: TenantId
    patient_id: PatientId | None
    direction: Direction
    channel: Channel
    recipient: str
    sender: str | None = None
    subject: str | None = None
    body: str
    template_name: str | None = None
    template_language: str | None = None
    category: str = "general"
    event_type: str | None = None
    status: MessageStatus
    status_reason: str | None = None
    error_code: str | None = None
    scheduled_for: datetime | None = None
    due_at: datetime | None = None
    queued_at: datetime | None = None
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    read_at: datetime | None = None
    failed_at: datetime | None = None
    cancelled_at: datetime | None = None
    received_at: datetime | None = None
    provider: str | None = None
    provider_message_id: str | None = None
    attempts: int = 0
    journey_instance_id: UUID | None = None
    appointment_id: UUID | None = None
    campaign_id: UUID | None = None
    thread_id: UUID | None = None
    reply_to_id: UUID | None = None
    dedup_key: str | None = None
    version: int = 1
    created_at: datetime
    updated_at: datetime
    events: list[object] = field(default_factory=list, repr=False)

    # ------------------------------------------------------------------ creation

    @classmethod
    def outgoing(
        cls,
        *,
        tenant_id: TenantId,
        patient_id: PatientId | None,
        channel: Channel,
        recipient: str,
        body: str,
        now: datetime,
        subject: str | None = None,
        scheduled_for: datetime | None = None,
        **links: object,
    ) -> "Message":
        """A new outgoing message: ``scheduled`` when ``scheduled_for`` is in the future, else
        ``queued`` (due now). ``links`` are the optional fields (template, category, event type,
        appointment, journey, campaign, thread, reply, dedup key). Raises :class:`InvalidMessage`
        for a blank body, one over the channel's limit, or a bad subject."""
        check_body(channel, body)
        later = scheduled_for is not None and scheduled_for > now
        message = cls(
            id=MessageId(new_id()),
            tenant_id=tenant_id,
            patient_id=patient_id,
            direction=Direction.OUTBOUND,
            channel=channel,
            recipient=recipient,
            subject=check_subject(channel, subject),
            body=body,
            status=MessageStatus.SCHEDULED if later else MessageStatus.QUEUED,
            scheduled_for=scheduled_for,
            due_at=scheduled_for if later else now,
            queued_at=None if later else now,
            created_at=now,
            updated_at=now,
            **links,  # type: ignore[arg-type]
        )
        message._happened(MessageStatus.SCHEDULED if later else MessageStatus.QUEUED)
        return message

    @classmethod
    def failed_before_sending(
        cls, *, reason: str, now: datetime, status: MessageStatus = MessageStatus.FAILED, **fields: object
    ) -> "Message":
        """A message that can never go (``failed`` for a template that did not render, ``blocked``
        for a patient who may not be messaged), stored with ``reason`` so that it can be seen."""
        message = cls(
            id=MessageId(new_id()),
            direction=Direction.OUTBOUND,
            status=status,
            status_reason=_reason(reason),
            failed_at=now if status is MessageStatus.FAILED else None,
            created_at=now,
            updated_at=now,
            **fields,  # type: ignore[arg-type]
        )
        message._happened(status)
        return message

    # ------------------------------------------------------------------ the worker

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    def start_attempt(self, now: datetime, lease: timedelta) -> int:
        """Record an attempt about to be made (``sending``, due again at the end of the lease);
        returns its number."""
        self.attempts += 1
        self.status = MessageStatus.SENDING
        self.due_at = now + lease
        self._touch(now)
        return self.attempts

    def mark_sent(self, provider: str, provider_message_id: str, now: datetime) -> None:
        """The provider accepted the message. A callback that already moved it further (or
        failed it) is kept: only the provider's id is added."""
        self.provider = provider
        self.provider_message_id = provider_message_id
        if self.status in (MessageStatus.SENDING, MessageStatus.QUEUED, MessageStatus.SCHEDULED):
            self.status = MessageStatus.SENT
            self.sent_at = now
            self.due_at = None
            self.status_reason = None
            self._happened(MessageStatus.SENT)
        self._touch(now)

    def retry(self, at: datetime, reason: str, now: datetime) -> None:
        """A transient failure: back to ``queued`` (or ``scheduled``, for a later ``at``), due at
        ``at``, with the reason kept; fails for good after :data:`MAX_ATTEMPTS` attempts."""
        if self.attempts >= MAX_ATTEMPTS:
            self.fail(f"gave up after {self.attempts} attempts: {reason}", now)
            return
        self.status = MessageStatus.SCHEDULED if at > now else MessageStatus.QUEUED
        self.due_at = at
        self.status_reason = _reason(reason)
        self._touch(now)

    def defer(self, not_before: datetime, reason: str | None, now: datetime) -> None:
        """Quiet hours: wait (``scheduled``) until ``not_before``."""
        self.status = MessageStatus.SCHEDULED
        self.due_at = not_before
        self.status_reason = _reason(reason)
        self._touch(now)

    def block(self, reason: str, now: datetime) -> None:
        self.status = MessageStatus.BLOCKED
        self.status_reason = _reason(reason)
        self.due_at = None
        self._touch(now)
        self._happened(MessageStatus.BLOCKED)

    def fail(self, reason: str | None, now: datetime, *, error_code: str | None = None) -> None:
        self.status = MessageStatus.FAILED
        self.status_reason = _reason(reason)
        self.error_code = error_code
        self.failed_at = now
        self.due_at = None
        self._touch(now)
        self._happened(MessageStatus.FAILED)

    def cancel(self, now: datetime) -> bool:
        """Cancel a message not handed to a provider yet; ``False`` (unchanged) otherwise."""
        if self.status not in UNSENT:
            return False
        self.status = MessageStatus.CANCELLED
        self.cancelled_at = now
        self.due_at = None
        self._touch(now)
        self._happened(MessageStatus.CANCELLED)
        return True

    # ------------------------------------------------------------------ staff and providers

    def change_status(self, status: MessageStatus, now: datetime, *, error_message: str | None = None) -> bool:
        """A change by staff (``PATCH``): ``True`` when it changed something. The same status
        again is a no-op. Raises :class:`TransitionNotAllowed` (409) outside
        :data:`MANUAL_TRANSITIONS`, and :class:`InvalidMessage` (422) for ``failed`` without an
        ``error_message`` or an ``error_message`` with any other status."""
        if error_message is not None and status is not MessageStatus.FAILED:
            raise InvalidMessage("error_message goes with status failed only", field="error_message")
        if status is MessageStatus.FAILED and not (error_message and error_message.strip()):
            raise InvalidMessage("status failed needs an error_message", field="error_message")
        if status is self.status and status is not MessageStatus.FAILED:
            return False
        if status not in MANUAL_TRANSITIONS[self.status]:
            raise TransitionNotAllowed(f"a {self.status.value} message cannot become {status.value} (field status)")
        if status is MessageStatus.CANCELLED:
            return self.cancel(now)
        if status is MessageStatus.FAILED:
            self.fail(error_message, now)
            return True
        self._progress(status, now)
        return True

    def apply_callback(
        self,
        status: MessageStatus,
        occurred_at: datetime,
        now: datetime,
        *,
        provider_message_id: str | None = None,
        error_code: str | None = None,
        error_message: str | None = None,
    ) -> bool:
        """A provider's status callback; ``True`` when the message moved. Idempotent and
        order-free: only forward along ``PROGRESS_ORDER``; ``failed`` only before ``delivered``;
        nothing moves a final message."""
        if self.is_final or self.direction is Direction.INBOUND:
            return False
        if provider_message_id and not self.provider_message_id:
            self.provider_message_id = provider_message_id
        if status is MessageStatus.FAILED:
            if self.status in (MessageStatus.DELIVERED, MessageStatus.READ):
                return False
            self.fail(error_message or "the provider reported a failure", occurred_at, error_code=error_code)
            self.updated_at = now
            return True
        rank = PROGRESS_ORDER.get(status)
        if rank is None or rank <= PROGRESS_ORDER.get(self.status, 0):
            return False
        self._progress(status, occurred_at)
        self.updated_at = now
        return True

    def mark_read(self, now: datetime) -> bool:
        """``PATCH /{id}/read``: an outgoing message the patient read, an incoming one staff read."""
        return self.change_status(MessageStatus.READ, now)

    def _progress(self, status: MessageStatus, at: datetime) -> None:
        self.status = status
        self.status_reason = None
        self.due_at = None
        if self.direction is Direction.OUTBOUND:
            self.sent_at = self.sent_at or at
        if status in (MessageStatus.DELIVERED, MessageStatus.READ) and self.direction is Direction.OUTBOUND:
            self.delivered_at = self.delivered_at or at
        if status is MessageStatus.READ:
            self.read_at = self.read_at or at
        self._touch(at)
        self._happened(status)

    def _touch(self, now: datetime) -> None:
        self.updated_at = now

    def _happened(self, status: MessageStatus) -> None:
        kind = STATUS_EVENTS.get(status)
        if kind is None:
            return
        if kind in (CommunicationFailed, CommunicationBlocked):
            self.events.append(kind(self.id, self.patient_id, self.channel.value, self.status_reason or ""))
        else:
            self.events.append(kind(self.id, self.patient_id, self.channel.value))


def incoming(
    *,
    tenant_id: TenantId,
    patient_id: PatientId | None,
    channel: Channel,
    sender: str,
    recipient: str,
    body: str,
    received_at: datetime,
    now: datetime,
    provider: str,
    provider_message_id: str,
    subject: str | None = None,
    thread_id: UUID | None = None,
    reply_to_id: UUID | None = None,
) -> Message:
    """An inbound message as stored (``received``; ``patient_id`` ``None`` when the sender matched
    no patient). The body is kept as sent (cut at the channel's limit, never refused: it came)."""
    message = Message(
        id=MessageId(new_id()),
        tenant_id=tenant_id,
        patient_id=patient_id,
        direction=Direction.INBOUND,
        channel=channel,
        recipient=recipient,
        sender=sender,
        subject=subject[:MAX_SUBJECT_LENGTH] if subject else None,
        body=body[: BODY_LIMITS[channel]],
        status=MessageStatus.RECEIVED,
        received_at=received_at,
        provider=provider,
        provider_message_id=provider_message_id,
        thread_id=thread_id,
        reply_to_id=reply_to_id,
        created_at=now,
        updated_at=now,
    )
    message._happened(MessageStatus.RECEIVED)
    return message


@dataclass(kw_only=True)
class Attempt:
    """One attempt at the provider: recorded (``started_at``) before the call, completed after it
    with ``outcome`` ``sent``, ``retry``, ``failed``, ``recovered`` (found at the provider after
    a crash, not sent again) or ``unknown`` (not found there: sent again)."""

    tenant_id: TenantId
    message_id: MessageId
    number: int
    started_at: datetime
    finished_at: datetime | None = None
    outcome: str | None = None
    provider: str | None = None
    provider_message_id: str | None = None
    error_code: str | None = None
    error: str | None = None

    def finish(
        self,
        outcome: str,
        now: datetime,
        *,
        provider: str | None = None,
        provider_message_id: str | None = None,
        error_code: str | None = None,
        error: str | None = None,
    ) -> None:
        self.outcome = outcome
        self.finished_at = now
        self.provider = provider or self.provider
        self.provider_message_id = provider_message_id or self.provider_message_id
        self.error_code = error_code
        self.error = _reason(error)
