"""Wire schemas of the Communications API (the reference API's ``CommunicationCreate``,
``CommunicationUpdate``, ``CommunicationResponse``; snake_case JSON, msgspec)."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec

from prm.application.communications.contracts import MessageRequest
from prm.application.communications.messages_read import CommunicationStatistics
from prm.domain.communications.channels import Channel, Direction, MessageStatus
from prm.domain.communications.messages import BODY_LIMITS, MAX_REASON_LENGTH, MAX_SUBJECT_LENGTH, Message
from prm.domain.shared.ids import PatientId

Body = Annotated[str, msgspec.Meta(max_length=max(BODY_LIMITS.values()), description="The text (SMS 1,600, "
                                   "WhatsApp 4,096 characters at most)")]  # fmt: skip
Rfc3339 = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?([Zz]|[+-][0-9]{2}:[0-9]{2})$",  # noqa: E501
        description="RFC 3339 (accepted for the reference API's shape; the server sets the time)",
    ),
]
Recipient = Annotated[str, msgspec.Meta(min_length=1, max_length=320, description="E.164 phone or email address")]
Subject = Annotated[str, msgspec.Meta(max_length=MAX_SUBJECT_LENGTH, description="Email only")]
TemplateName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Category = Annotated[str, msgspec.Meta(min_length=2, max_length=64)]


class CreateCommunicationRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """``message`` or ``template_name`` (+ ``template_vars``). ``recipient`` defaults to the
    patient's phone (sms, whatsapp) or email. A future ``scheduled_for`` schedules it.
    ``tenant_id``, when given, must be the caller's."""

    channel: Channel
    patient_id: UUID | None = None
    tenant_id: UUID | None = None
    journey_instance_id: UUID | None = None
    appointment_id: UUID | None = None
    recipient: Recipient | None = None
    subject: Subject | None = None
    message: Body | None = None
    template_name: TemplateName | None = None
    template_vars: dict[str, Any] = msgspec.field(default_factory=dict)
    category: Category = "general"
    scheduled_for: Annotated[datetime, msgspec.Meta(tz=True)] | None = None

    def to_request(self) -> MessageRequest:
        return MessageRequest(
            patient_id=PatientId(self.patient_id) if self.patient_id else None,
            channel=self.channel,
            recipient=self.recipient,
            subject=self.subject,
            body=self.message,
            template_name=self.template_name,
            template_vars=self.template_vars,
            category=self.category,
            scheduled_for=self.scheduled_for,
            journey_instance_id=self.journey_instance_id,
            appointment_id=self.appointment_id,
        )


class UpdateCommunicationRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A status change (``cancelled``, ``delivered``, ``read``, ``failed`` with ``error_message``).
    ``read_at``/``delivered_at`` of the reference API are accepted and ignored: the server sets
    the time."""

    status: MessageStatus
    error_message: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_REASON_LENGTH)] | None = None
    read_at: Rfc3339 | None = None
    delivered_at: Rfc3339 | None = None


class CommunicationResponse(msgspec.Struct, frozen=True, kw_only=True):
    """One message. ``status_reason`` says why it is ``blocked``/``failed`` (or waits);
    ``error_message`` is the same for ``failed`` (the reference API's name)."""

    id: UUID
    tenant_id: UUID
    patient_id: UUID | None
    direction: Direction
    channel: Channel
    recipient: str
    sender: str | None
    subject: str | None
    message: str
    template_name: str | None
    template_language: str | None
    category: str
    event_type: str | None
    status: MessageStatus
    status_reason: str | None
    error_message: str | None
    error_code: str | None
    scheduled_for: datetime | None
    queued_at: datetime | None
    sent_at: datetime | None
    delivered_at: datetime | None
    read_at: datetime | None
    failed_at: datetime | None
    cancelled_at: datetime | None
    received_at: datetime | None
    provider: str | None
    provider_message_id: str | None
    attempts: int
    journey_instance_id: UUID | None
    appointment_id: UUID | None
    campaign_id: UUID | None
    thread_id: UUID | None
    reply_to_id: UUID | None
    version: int
    created_at: datetime
    updated_at: datetime


def communication_response(m: Message) -> CommunicationResponse:
    return CommunicationResponse(
        id=m.id,
        tenant_id=m.tenant_id,
        patient_id=m.patient_id,
        direction=m.direction,
        channel=m.channel,
        recipient=m.recipient,
        sender=m.sender,
        subject=m.subject,
        message=m.body,
        template_name=m.template_name,
        template_language=m.template_language,
        category=m.category,
        event_type=m.event_type,
        status=m.status,
        status_reason=m.status_reason,
        error_message=m.status_reason if m.status is MessageStatus.FAILED else None,
        error_code=m.error_code,
        scheduled_for=m.scheduled_for,
        queued_at=m.queued_at,
        sent_at=m.sent_at,
        delivered_at=m.delivered_at,
        read_at=m.read_at,
        failed_at=m.failed_at,
        cancelled_at=m.cancelled_at,
        received_at=m.received_at,
        provider=m.provider,
        provider_message_id=m.provider_message_id,
        attempts=m.attempts,
        journey_instance_id=m.journey_instance_id,
        appointment_id=m.appointment_id,
        campaign_id=m.campaign_id,
        thread_id=m.thread_id,
        reply_to_id=m.reply_to_id,
        version=m.version,
        created_at=m.created_at,
        updated_at=m.updated_at,
    )


class CommunicationStatsResponse(msgspec.Struct, frozen=True, kw_only=True):
    """The reference API's statistics, plus ``delivery_rate`` and ``reply_rate`` (0 to 1)."""

    total: int
    by_channel: dict[str, int]
    by_status: dict[str, int]
    sent: int
    pending: int
    failed: int
    delivery_rate: float
    reply_rate: float


def stats_response(s: CommunicationStatistics) -> CommunicationStatsResponse:
    return CommunicationStatsResponse(
        total=s.total,
        by_channel=s.by_channel,
        by_status=s.by_status,
        sent=s.sent,
        pending=s.pending,
        failed=s.failed,
        delivery_rate=s.delivery_rate,
        reply_rate=s.reply_rate,
    )
