"""Ports of the patient 360 view and of a patient's statistics (the contract's "Get Patient 360
View" and ``PatientDetailResponse``; issue 13).

The patients context reads each other context through one port of its own here, implemented in
``prm.adapters.patients.activity`` over that context's own finders and queries. Every port is
tenant-scoped and read-only, and every method is a fixed number of statements (none per item).
Values the patients context cannot know (statuses, channels) are plain strings as the owning
context spells them; times are timezone-aware UTC.
"""

from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from prm.application.shared.paging import Page, PageRequest
from prm.domain.shared.ids import PatientId

RECENT_APPOINTMENTS = 10
"""How many appointments the 360 view lists (the contract's "last 10"), newest start first."""
RECENT_ITEMS = 10
"""How many journeys, tickets and messages the 360 view lists at most."""
RECENT_COMMUNICATIONS_WINDOW = timedelta(days=30)
"""``recent_communications`` counts the patient's messages (in and out) of this many last days."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AppointmentSummary:
    """Counts over the patient's appointments at ``now``: ``total`` (every status), ``upcoming``
    (active and starting at or after now), ``no_shows`` (status ``noshow``); ``last_visit_at``:
    the latest start before now of an appointment that took place (fulfilled, arrived, checked
    in); ``next_appointment_at``: the earliest upcoming start."""

    total: int = 0
    upcoming: int = 0
    no_shows: int = 0
    last_visit_at: datetime | None = None
    next_appointment_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientStatistics:
    """The contract's patient statistics (``GET /patients/{id}`` and the 360 view):
    ``recent_communications`` counts messages of the last :data:`RECENT_COMMUNICATIONS_WINDOW`;
    ``open_tickets``: open or in progress; ``active_journeys``: instances still running."""

    total_appointments: int
    upcoming_appointments: int
    no_show_appointments: int
    active_journeys: int
    open_tickets: int
    recent_communications: int
    last_visit_date: datetime | None
    next_appointment_date: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class AppointmentItem:
    id: UUID
    starts_at: datetime
    ends_at: datetime
    status: str
    """FHIR AppointmentStatus code (``booked``, ``fulfilled``, ``noshow``, ...)."""
    appointment_type: str | None
    practitioner_id: UUID
    location_id: UUID | None


@dataclass(frozen=True, slots=True, kw_only=True)
class JourneyItem:
    """One journey instance and its progress: ``stages_done`` (completed or skipped) of
    ``stages_total``; ``current_stage``: the name of the first stage not finished yet."""

    id: UUID
    journey_id: UUID
    status: str
    started_at: datetime
    completed_at: datetime | None
    stages_done: int
    stages_total: int
    current_stage: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketItem:
    id: UUID
    title: str
    category: str
    priority: str
    status: str
    created_at: datetime
    resolution_due_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageItem:
    """A message in or out, without its body."""

    id: UUID
    direction: str
    channel: str
    status: str
    category: str
    subject: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelState:
    """The patient on one channel: the current consent (``permitted``, ``opted_out``, ``none``),
    and the patient's conversation on it if any (``thread_id``, its unread inbound messages and
    last message time)."""

    channel: str
    consent: str
    thread_id: UUID | None = None
    unread_count: int = 0
    last_message_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Conversation:
    """One message thread of the patient (one per channel): its ``status`` (``open``, ...),
    unread inbound messages, last message and last inbound message times, the member of staff
    it is assigned to."""

    id: UUID
    channel: str
    status: str
    unread_count: int
    last_message_at: datetime
    last_inbound_at: datetime | None
    assigned_to: UUID | None
    created_at: datetime


class PatientAppointments(Protocol):
    """The appointments context, as the 360 view sees it."""

    @abstractmethod
    async def summary(self, patient_id: PatientId, now: datetime) -> AppointmentSummary:
        """The counts and dates of :class:`AppointmentSummary` (one grouped statement)."""

    @abstractmethod
    async def latest(self, patient_id: PatientId, limit: int) -> Sequence[AppointmentItem]:
        """At most ``limit`` appointments, latest start first."""


class PatientJourneys(Protocol):
    """The journeys context, as the 360 view sees it."""

    @abstractmethod
    async def active_count(self, patient_id: PatientId) -> int: ...

    @abstractmethod
    async def active(self, patient_id: PatientId, limit: int) -> tuple[Sequence[JourneyItem], int]:
        """At most ``limit`` active instances, most recently started first, and how many are active."""


class PatientTickets(Protocol):
    """The tickets context, as the 360 view sees it."""

    @abstractmethod
    async def open_count(self, patient_id: PatientId) -> int:
        """Tickets open or in progress."""

    @abstractmethod
    async def latest(self, patient_id: PatientId, limit: int) -> Sequence[TicketItem]:
        """At most ``limit`` tickets of any status, newest first."""


class PatientCommunications(Protocol):
    """The communications context, as the 360 view sees it."""

    @abstractmethod
    async def count_since(self, patient_id: PatientId, since: datetime) -> int:
        """Messages in and out created at or after ``since``."""

    @abstractmethod
    async def latest(self, patient_id: PatientId, limit: int) -> Sequence[MessageItem]:
        """At most ``limit`` messages, newest first."""

    @abstractmethod
    async def channels(self, patient_id: PatientId) -> Sequence[ChannelState]:
        """Every channel, in the communications context's order, with consent and conversation."""

    @abstractmethod
    async def conversations(self, patient_id: PatientId, page: PageRequest) -> Page[Conversation]:
        """The patient's message threads, latest message first."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CaregiverItem:
    """A related person of the patient (FHIR RelatedPerson): ``relationship`` an HL7 v3 RoleCode
    and its display; ``preferred_channel`` (``sms``, ``whatsapp``, ``email`` or ``None``)."""

    id: UUID
    name: str
    relationship: str
    relationship_display: str
    preferred_channel: str | None
    receives_communications: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class TagItem:
    """A tag on the patient: ``colour`` as ``#RRGGBB``."""

    id: UUID
    name: str
    colour: str


class PatientRelations(Protocol):
    """The caregivers and tags contexts, as the 360 view sees them."""

    @abstractmethod
    async def caregivers(self, patient_id: PatientId) -> Sequence[CaregiverItem]:
        """The patient's caregivers in the order they were added (one statement)."""

    @abstractmethod
    async def tags(self, patient_id: PatientId) -> Sequence[TagItem]:
        """The patient's tags by name (one statement)."""
