"""Domain events of the communications context: a message's life and a campaign's (ids and codes only: never
addresses, bodies or subjects). ``reason`` is a short stable code or sentence without PHI
(``no_consent:sms``, ``Twilio error 30003: unreachable destination handset``)."""

from dataclasses import dataclass
from typing import ClassVar
from uuid import UUID

from prm.domain.communications.channels import MessageStatus
from prm.domain.shared.events import catalogue


@dataclass(frozen=True, slots=True)
class CommunicationScheduled:
    TYPE: ClassVar[str] = "communication.scheduled"
    VERSION: ClassVar[int] = 1

    communication_id: UUID
    patient_id: UUID | None
    channel: str


@dataclass(frozen=True, slots=True)
class CommunicationQueued:
    TYPE: ClassVar[str] = "communication.queued"
    VERSION: ClassVar[int] = 1

    communication_id: UUID
    patient_id: UUID | None
    channel: str


@dataclass(frozen=True, slots=True)
class CommunicationSent:
    """The provider accepted the message."""

    TYPE: ClassVar[str] = "communication.sent"
    VERSION: ClassVar[int] = 1

    communication_id: UUID
    patient_id: UUID | None
    channel: str


@dataclass(frozen=True, slots=True)
class CommunicationDelivered:
    TYPE: ClassVar[str] = "communication.delivered"
    VERSION: ClassVar[int] = 1

    communication_id: UUID
    patient_id: UUID | None
    channel: str


@dataclass(frozen=True, slots=True)
class CommunicationRead:
    TYPE: ClassVar[str] = "communication.read"
    VERSION: ClassVar[int] = 1

    communication_id: UUID
    patient_id: UUID | None
    channel: str


@dataclass(frozen=True, slots=True)
class CommunicationFailed:
    TYPE: ClassVar[str] = "communication.failed"
    VERSION: ClassVar[int] = 1

    communication_id: UUID
    patient_id: UUID | None
    channel: str
    reason: str


@dataclass(frozen=True, slots=True)
class CommunicationBlocked:
    TYPE: ClassVar[str] = "communication.blocked"
    VERSION: ClassVar[int] = 1

    communication_id: UUID
    patient_id: UUID | None
    channel: str
    reason: str


@dataclass(frozen=True, slots=True)
class CommunicationCancelled:
    TYPE: ClassVar[str] = "communication.cancelled"
    VERSION: ClassVar[int] = 1

    communication_id: UUID
    patient_id: UUID | None
    channel: str


@dataclass(frozen=True, slots=True)
class CommunicationReceived:
    """An inbound message was stored (``patient_id`` ``None`` when the sender is unknown)."""

    TYPE: ClassVar[str] = "communication.received"
    VERSION: ClassVar[int] = 1

    communication_id: UUID
    patient_id: UUID | None
    channel: str


@dataclass(frozen=True, slots=True)
class CampaignCreated:
    TYPE: ClassVar[str] = "campaign.created"
    VERSION: ClassVar[int] = 1

    campaign_id: UUID
    channel: str


@dataclass(frozen=True, slots=True)
class CampaignPlanned:
    """Every recipient has a message: ``recipients`` planned, ``blocked`` of them blocked (consent,
    no address). The campaign's messages raise no ``communication.scheduled`` each; their later
    statuses (sent, delivered, failed ...) are raised as for any message."""

    TYPE: ClassVar[str] = "campaign.planned"
    VERSION: ClassVar[int] = 1

    campaign_id: UUID
    recipients: int
    blocked: int


@dataclass(frozen=True, slots=True)
class CampaignPaused:
    TYPE: ClassVar[str] = "campaign.paused"
    VERSION: ClassVar[int] = 1

    campaign_id: UUID


@dataclass(frozen=True, slots=True)
class CampaignResumed:
    TYPE: ClassVar[str] = "campaign.resumed"
    VERSION: ClassVar[int] = 1

    campaign_id: UUID


@dataclass(frozen=True, slots=True)
class CampaignCancelled:
    TYPE: ClassVar[str] = "campaign.cancelled"
    VERSION: ClassVar[int] = 1

    campaign_id: UUID


@dataclass(frozen=True, slots=True)
class CampaignCompleted:
    TYPE: ClassVar[str] = "campaign.completed"
    VERSION: ClassVar[int] = 1

    campaign_id: UUID
    recipients: int


STATUS_EVENTS: dict[MessageStatus, type] = {
    MessageStatus.SCHEDULED: CommunicationScheduled,
    MessageStatus.QUEUED: CommunicationQueued,
    MessageStatus.SENT: CommunicationSent,
    MessageStatus.DELIVERED: CommunicationDelivered,
    MessageStatus.READ: CommunicationRead,
    MessageStatus.FAILED: CommunicationFailed,
    MessageStatus.BLOCKED: CommunicationBlocked,
    MessageStatus.CANCELLED: CommunicationCancelled,
    MessageStatus.RECEIVED: CommunicationReceived,
}
"""The event a message raises on reaching each status."""

CATALOGUE = catalogue(
    CommunicationScheduled,
    CommunicationQueued,
    CommunicationSent,
    CommunicationDelivered,
    CommunicationRead,
    CommunicationFailed,
    CommunicationBlocked,
    CommunicationCancelled,
    CommunicationReceived,
    CampaignCreated,
    CampaignPlanned,
    CampaignPaused,
    CampaignResumed,
    CampaignCancelled,
    CampaignCompleted,
)
