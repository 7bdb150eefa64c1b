"""Ports of the messages part: the tenant's messages (which are also the send queue), their read
side, and the worker's tuning. Repositories are tenant-scoped: they only ever see the rows of the
tenant they were built for."""

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from prm.application.shared.paging import Page, PageRequest
from prm.domain.communications.channels import Channel, Direction, MessageStatus
from prm.domain.communications.messages import Attempt, Message, MessageId
from prm.domain.shared.ids import PatientId

DISPATCH_TASK = "communications.dispatch"
"""The job that sends the tenant's due messages (args ``{}``), scheduled with key
:data:`DISPATCH_TASK` when a message is due now, and ``communications.dispatch@<UTC second>`` at
a later message's time."""

RECOVER_TASK = "communications.recover"
"""The periodic job that recovers messages left ``sending`` by a worker that died, and schedules
a dispatch when messages are due (a safety net for lost jobs)."""


@dataclass(frozen=True, slots=True)
class DispatchSettings:
    """The worker's tuning: messages claimed per transaction, provider calls at once, how long an
    attempt may stay ``sending`` before recovery looks it up, and how many batches one job sends
    before it hands over to a new job of itself (so other tenants' jobs get their turn)."""

    batch_size: int = 200
    concurrency: int = 8
    lease: timedelta = timedelta(minutes=2)
    batches_per_job: int = 25


class MessageRepository(Protocol):
    """The tenant's messages as aggregates, with their attempts and callbacks. Methods that
    *claim* or *lock* hold row locks until the unit of work commits (PostgreSQL ``FOR UPDATE
    SKIP LOCKED``: two workers never claim the same message; SQLite: the database's write lock)."""

    @abstractmethod
    async def add(self, message: Message) -> None: ...

    @abstractmethod
    async def get(self, message_id: MessageId) -> Message | None: ...

    @abstractmethod
    async def by_dedup_key(self, dedup_key: str) -> Message | None: ...

    @abstractmethod
    async def by_provider_id(self, provider: str, provider_message_id: str) -> Message | None: ...

    @abstractmethod
    async def save(self, message: Message, *, expected_version: int) -> None:
        """Update the row if still at ``expected_version`` (and bump it); raises ``StaleVersion``."""

    @abstractmethod
    async def save_many(self, messages: Sequence[tuple[Message, int]]) -> None:
        """:meth:`save` of several ``(message, expected version)`` at once; raises ``StaleVersion``
        if any changed meanwhile."""

    @abstractmethod
    async def remove(self, message_id: MessageId) -> None:
        """Delete the message with its attempts."""

    @abstractmethod
    async def claim_due(self, now: datetime, limit: int) -> Sequence[Message]:
        """Lock up to ``limit`` messages due to be sent (``queued``, or ``scheduled`` with
        ``due_at <= now``), earliest due first, skipping those another worker holds."""

    @abstractmethod
    async def claim_stale(self, now: datetime, limit: int) -> Sequence[Message]:
        """Lock up to ``limit`` messages left ``sending`` past their lease (``due_at <= now``)."""

    @abstractmethod
    async def lock(self, message_ids: Sequence[MessageId]) -> Sequence[Message]:
        """Reload and lock these messages (those that still exist)."""

    @abstractmethod
    async def earliest_due(self) -> datetime | None:
        """When the earliest ``queued`` or ``scheduled`` message is due, if any."""

    @abstractmethod
    async def unsent_of_appointment(self, appointment_id: UUID, categories: Sequence[str]) -> Sequence[Message]:
        """The appointment's messages of these categories not handed to a provider yet, locked."""

    @abstractmethod
    async def add_attempts(self, attempts: Sequence[Attempt]) -> None: ...

    @abstractmethod
    async def save_attempts(self, attempts: Sequence[Attempt]) -> None:
        """Write the outcome of attempts added before."""

    @abstractmethod
    async def last_attempts(self, message_ids: Sequence[MessageId]) -> Mapping[MessageId, Attempt]:
        """The latest attempt of each message that has one."""

    @abstractmethod
    async def record_callback(
        self,
        *,
        message_id: MessageId | None,
        provider: str,
        provider_message_id: str,
        status: MessageStatus,
        occurred_at: datetime,
        error_code: str | None,
        applied: bool,
        received_at: datetime,
    ) -> None:
        """Keep a provider status callback, applied or not (append-only)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageFilter:
    """Filters of the list and the search (all must hold; ``None``: any). ``date_from`` and
    ``date_to`` bound ``created_at`` (inclusive, UTC)."""

    patient_id: PatientId | None = None
    journey_instance_id: UUID | None = None
    channel: Channel | None = None
    status: MessageStatus | None = None
    direction: Direction | None = None
    appointment_id: UUID | None = None
    campaign_id: UUID | None = None
    thread_id: UUID | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageCounts:
    """Counts of the tenant's messages (in the period, when given): ``by_channel`` and
    ``by_status`` add up to ``total``; ``outbound_sent``: outbound messages the provider took
    (sent, delivered or read); ``outbound_delivered``: delivered or read; ``replied``: outbound
    messages that an inbound one answers (``reply_to_id``)."""

    total: int
    by_channel: Mapping[str, int] = field(default_factory=dict)
    by_status: Mapping[str, int] = field(default_factory=dict)
    outbound_sent: int = 0
    outbound_delivered: int = 0
    replied: int = 0


class MessageQueries(Protocol):
    """The read side over the tenant's messages (newest first)."""

    @abstractmethod
    async def list_page(self, where: MessageFilter, page: PageRequest) -> Page[Message]: ...

    @abstractmethod
    async def count_of_patient(self, patient_id: PatientId, since: datetime) -> int:
        """How many messages in and out of the patient's were created at or after ``since``."""

    @abstractmethod
    async def search(self, text: str, where: MessageFilter, page: PageRequest) -> Page[Message]:
        """Messages whose subject or body holds every word of ``text`` (whole words, any case)."""

    @abstractmethod
    async def counts(self, date_from: datetime | None, date_to: datetime | None) -> MessageCounts: ...


class Jitter(Protocol):
    """Draws the wait before a retry, between zero and ``ceiling`` (full jitter)."""

    @abstractmethod
    def __call__(self, ceiling: timedelta) -> timedelta: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageRecordFilter:
    """Filters of the FHIR Communication search (all must hold; empty or ``None``: any).
    ``statuses``, ``channels`` and ``categories``: any of them. ``sent_from``/``sent_before``
    bound ``sent_at``; ``arrived_from``/``arrived_before`` bound when the message reached its
    recipient (``received_at`` of an inbound message, ``delivered_at`` of an outbound one);
    ranges are ``[from, before)`` in UTC, and a message without that instant never matches one."""

    patient_id: PatientId | None = None
    statuses: frozenset[MessageStatus] = frozenset()
    channels: frozenset[Channel] = frozenset()
    categories: frozenset[str] = frozenset()
    sent_from: datetime | None = None
    sent_before: datetime | None = None
    arrived_from: datetime | None = None
    arrived_before: datetime | None = None


class MessageRecordQueries(Protocol):
    """The FHIR Communication search over the tenant's messages (newest first: by id, UUIDv7)."""

    @abstractmethod
    async def find(self, where: MessageRecordFilter, page: PageRequest) -> Page[Message]: ...
