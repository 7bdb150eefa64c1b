"""Ports of the inbox part: threads, the inbound side of the tenant's messages, and the secrets
inbound webhooks are verified with. Tenant-scoped (REQUEST scope): implementations only ever see
the rows of the tenant they were built for."""

from abc import abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from prm.application.communications.contracts import InboundMessage
from prm.application.shared.paging import Page, PageRequest
from prm.domain.communications.channels import Channel, Direction, MessageStatus
from prm.domain.communications.inbox import RecentOutbound
from prm.domain.communications.threads import StaffUserId, Thread, ThreadId, ThreadStatus
from prm.domain.shared.ids import PatientId


@dataclass(frozen=True, slots=True, kw_only=True)
class ThreadFilter:
    """Filters of the thread list (all must hold; ``None``: any). ``unread``: with (true) or
    without (false) unread messages; ``unmatched``: the unmatched queue (true) or patients'
    threads (false)."""

    patient_id: PatientId | None = None
    channel: Channel | None = None
    assigned_to: StaffUserId | None = None
    unread: bool | None = None
    status: ThreadStatus | None = None
    unmatched: bool | None = None


class ThreadRepository(Protocol):
    """The tenant's threads, newest activity first."""

    @abstractmethod
    async def add(self, thread: Thread) -> None: ...

    @abstractmethod
    async def get(self, thread_id: ThreadId) -> Thread | None: ...

    @abstractmethod
    async def of_patient(self, patient_id: PatientId, channel: Channel) -> Thread | None: ...

    @abstractmethod
    async def unmatched(self, channel: Channel, address: str) -> Thread | None:
        """The unmatched thread of this sender address on the channel."""

    @abstractmethod
    async def save(self, thread: Thread, *, expected_version: int) -> None:
        """Write the thread if still at ``expected_version`` (and bump it); raises ``StaleVersion``."""

    @abstractmethod
    async def remove(self, thread_id: ThreadId) -> None: ...

    @abstractmethod
    async def list_page(self, where: ThreadFilter, page: PageRequest) -> Page[Thread]: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ThreadMessage:
    """A message of a thread, as staff read it."""

    id: UUID
    direction: Direction
    channel: Channel
    status: MessageStatus
    sender: str | None
    recipient: str
    subject: str | None
    body: str
    category: str
    status_reason: str | None
    reply_to_id: UUID | None
    created_at: datetime
    received_at: datetime | None
    sent_at: datetime | None
    read_at: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredInbound:
    """An inbound message as it is stored (``direction`` inbound, ``status`` received)."""

    id: UUID
    message: InboundMessage
    patient_id: PatientId | None
    thread_id: ThreadId
    reply_to_id: UUID | None
    handled_as: str
    """The route's action (``for_staff``, ``opt_out``, ...), kept with the receipt."""
    stored_at: datetime


@dataclass(frozen=True, slots=True)
class SentTo:
    """An outbound message of the tenant's: which patient it was for."""

    message_id: UUID
    patient_id: PatientId | None


class InboxMessages(Protocol):
    """The inbound side of the tenant's messages (``communication_messages``)."""

    @abstractmethod
    async def first_receipt(self, provider: str, provider_message_id: str, message_id: UUID, at: datetime) -> bool:
        """Note that the provider's message arrived (as ``message_id``); ``False`` when it had
        already (a redelivered webhook: apply nothing)."""

    @abstractmethod
    async def store(self, inbound: StoredInbound) -> None: ...

    @abstractmethod
    async def sent_by_provider_id(self, provider: str, provider_message_id: str) -> SentTo | None:
        """The outbound message the provider knows by this id (what ``in_reply_to`` names)."""

    @abstractmethod
    async def last_sent_to_address(self, channel: Channel, address: str, since: datetime) -> SentTo | None:
        """The latest outbound message the provider took (sent, delivered, read) for ``address``
        on ``channel`` at or after ``since``."""

    @abstractmethod
    async def last_sent_to_patient(
        self, patient_id: PatientId, channel: Channel, since: datetime
    ) -> RecentOutbound | None:
        """The latest outbound message the provider took for the patient on ``channel`` at or after
        ``since``."""

    @abstractmethod
    async def of_thread(self, thread_id: ThreadId, page: PageRequest) -> Page[ThreadMessage]:
        """The thread's messages, newest first."""

    @abstractmethod
    async def mark_read(self, thread_id: ThreadId, at: datetime) -> int:
        """Mark the thread's inbound messages not read yet as ``read`` at ``at``; how many."""

    @abstractmethod
    async def move(self, source: ThreadId, target: ThreadId, patient_id: PatientId) -> int:
        """Move ``source``'s messages into ``target``, inbound ones now ``patient_id``'s; how many."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TwilioInbound:
    """What Twilio's inbound webhooks are verified with: the account's auth token and the public
    base URL Twilio is configured to call (``https://prm.example.org``; the signed URL is that
    plus the route's path)."""

    auth_token: str
    public_base_url: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WhatsAppInbound:
    """What Meta's webhooks are verified with: the app secret (``X-Hub-Signature-256``) and the
    verify token of the subscription check (``hub.verify_token``)."""

    app_secret: str
    verify_token: str


class InboundCredentials(Protocol):
    """The tenant's webhook secrets per provider (``None``: not configured, every call is 403).
    Never logged, never answered."""

    @abstractmethod
    async def twilio(self) -> TwilioInbound | None: ...

    @abstractmethod
    async def whatsapp(self) -> WhatsAppInbound | None: ...


class ClinicName(Protocol):
    """The tenant's name, as patients know the clinic (keyword confirmations say it)."""

    @abstractmethod
    async def name(self) -> str: ...
