"""Ports of the appointments context. Every implementation is tenant-scoped: it only ever sees the
rows of the tenant it was built for. Times are timezone-aware UTC."""

from abc import abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from uuid import UUID

from prm.application.shared.paging import Page, PageRequest
from prm.domain.appointments.ids import AppointmentId, ConversationId, HoldId, LocationId, ScheduleId, WaitlistEntryId
from prm.domain.appointments.model import Appointment, AppointmentStatus, TimeSlot
from prm.domain.appointments.schedule import Location, Schedule, ScheduleException
from prm.domain.appointments.waitlist import Hold, WaitlistEntry, WaitlistStatus
from prm.domain.shared.ids import PatientId, PractitionerId


class AppointmentRepository(Protocol):
    """Appointments as aggregates."""

    @abstractmethod
    async def lock_for_booking(self, practitioner_id: PractitionerId) -> None:
        """Serialise this unit's bookings with concurrent ones before checking for overlaps
        (SQLite: take the write lock now; PostgreSQL relies on its exclusion constraint).
        Call it first, before any write of the unit."""

    @abstractmethod
    async def add(self, appointment: Appointment) -> None:
        """Insert; raises ``SlotUnavailable`` naming the appointment in the way when an active one
        of the practitioner overlaps (the database's own guarantee)."""

    @abstractmethod
    async def add_many(self, appointments: Sequence[Appointment]) -> None:
        """Insert a batch (imports of past appointments: no overlap rule for inactive ones)."""

    @abstractmethod
    async def get(self, appointment_id: AppointmentId) -> Appointment | None: ...

    @abstractmethod
    async def save(self, appointment: Appointment, *, expected_version: int) -> None:
        """Update if still at ``expected_version`` (``StaleVersion`` otherwise); ``SlotUnavailable`` as :meth:`add`."""

    @abstractmethod
    async def remove(self, appointment: Appointment, *, expected_version: int | None = None) -> None:
        """Delete it for good; ``expected_version``: only if it is still at that version, else
        raises ``StaleVersion``."""

    @abstractmethod
    async def overlapping(
        self, practitioner_id: PractitionerId, slot: TimeSlot, *, exclude: AppointmentId | None = None
    ) -> Sequence[Appointment]:
        """The practitioner's *active* appointments overlapping ``slot``, by start."""

    @abstractmethod
    async def existing_external_ids(self, external_ids: Iterable[str]) -> set[str]:
        """Which of ``external_ids`` some appointment already has (imports)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AppointmentCriteria:
    """Filters that must all hold; ``starts_from``/``starts_before`` bound the start (UTC)."""

    patient_id: PatientId | None = None
    practitioner_id: PractitionerId | None = None
    location_id: LocationId | None = None
    statuses: frozenset[AppointmentStatus] = frozenset()
    starts_from: datetime | None = None
    starts_before: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AppointmentCounts:
    """Counts by status and by type (``None`` type counted as ``"unspecified"``)."""

    by_status: Mapping[str, int] = field(default_factory=dict)
    by_type: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientAppointmentSummary:
    """One patient's appointments at an instant ``now``: ``total`` of any status; ``upcoming``:
    active (:data:`ACTIVE_STATUSES`) and starting at or after ``now``; ``no_shows``: ``noshow``;
    ``last_visit_at``: the latest start before ``now`` of one that took place (fulfilled,
    arrived, checked in); ``next_starts_at``: the earliest upcoming start."""

    total: int = 0
    upcoming: int = 0
    no_shows: int = 0
    last_visit_at: datetime | None = None
    next_starts_at: datetime | None = None


class AppointmentFinder(Protocol):
    """Read side over appointments."""

    @abstractmethod
    async def find(self, criteria: AppointmentCriteria, page: PageRequest) -> Page[Appointment]:
        """Matching appointments by start time, then id."""

    @abstractmethod
    async def first(self, criteria: AppointmentCriteria, limit: int) -> Sequence[Appointment]:
        """At most ``limit`` matching appointments by start time, then id."""

    @abstractmethod
    async def latest(self, criteria: AppointmentCriteria, limit: int) -> Sequence[Appointment]:
        """At most ``limit`` matching appointments, latest start first (then id, descending)."""

    @abstractmethod
    async def counts(self, criteria: AppointmentCriteria) -> AppointmentCounts: ...

    @abstractmethod
    async def patient_summary(self, patient_id: PatientId, now: datetime) -> PatientAppointmentSummary:
        """The patient's :class:`PatientAppointmentSummary` (one statement over the patient's index)."""

    @abstractmethod
    async def busy(self, practitioner_ids: Sequence[PractitionerId], window: TimeSlot) -> dict[UUID, list[TimeSlot]]:
        """Active appointments overlapping ``window``, per practitioner."""


class ScheduleRepository(Protocol):
    """Locations, schedules and their exceptions."""

    @abstractmethod
    async def add_location(self, location: Location) -> None: ...

    @abstractmethod
    async def get_location(self, location_id: LocationId) -> Location | None: ...

    @abstractmethod
    async def locations(self) -> Sequence[Location]:
        """All locations by name."""

    @abstractmethod
    async def add_schedule(self, schedule: Schedule) -> None: ...

    @abstractmethod
    async def get_schedule(self, schedule_id: ScheduleId) -> Schedule | None: ...

    @abstractmethod
    async def schedules(
        self, practitioner_ids: Sequence[PractitionerId] | None = None, location_id: LocationId | None = None
    ) -> Sequence[Schedule]:
        """Schedules of these practitioners (all when ``None``), at ``location_id`` when given."""

    @abstractmethod
    async def remove_schedule(self, schedule: Schedule) -> None: ...

    @abstractmethod
    async def add_exception(self, exception: ScheduleException) -> None: ...

    @abstractmethod
    async def exceptions(
        self, schedule_ids: Sequence[ScheduleId], window: TimeSlot | None = None
    ) -> Sequence[ScheduleException]:
        """Exceptions of these schedules overlapping ``window`` (all when ``None``), by start."""


class HoldRepository(Protocol):
    """Holds on slots (conversational booking, waitlist offers)."""

    @abstractmethod
    async def add_many(self, holds: Sequence[Hold]) -> None: ...

    @abstractmethod
    async def get(self, hold_id: HoldId) -> Hold | None: ...

    @abstractmethod
    async def conversation(self, conversation_id: ConversationId) -> Sequence[Hold]:
        """The holds of one ``find-slots`` answer, by ordinal."""

    @abstractmethod
    async def live(self, practitioner_ids: Sequence[PractitionerId], window: TimeSlot, now: datetime) -> Sequence[Hold]:
        """Active, unexpired holds of these practitioners overlapping ``window``."""

    @abstractmethod
    async def save(self, hold: Hold) -> None: ...

    @abstractmethod
    async def live_booking_holds_of(self, patient_id: PatientId, now: datetime) -> Sequence[Hold]:
        """The patient's active conversational holds (released when they search again)."""

    @abstractmethod
    async def expired_offers(self, now: datetime, limit: int) -> Sequence[Hold]:
        """Active offers whose time is up, oldest first."""

    @abstractmethod
    async def entries_offered(self, practitioner_id: PractitionerId, slot: TimeSlot) -> frozenset[WaitlistEntryId]:
        """Waitlist entries that have already had an offer of exactly this slot."""

    @abstractmethod
    async def expire_lapsed_bookings(self, now: datetime) -> int:
        """Mark active booking holds whose ``expires_at`` has passed ``expired``; returns how many."""

    @abstractmethod
    async def purge_ended(self, before: datetime) -> int:
        """Delete holds no longer active whose ``expires_at`` is before ``before``; returns how many."""


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitlistCriteria:
    patient_id: PatientId | None = None
    practitioner_id: PractitionerId | None = None
    status: WaitlistStatus | None = None


class WaitlistRepository(Protocol):
    @abstractmethod
    async def add(self, entry: WaitlistEntry) -> None: ...

    @abstractmethod
    async def get(self, entry_id: WaitlistEntryId) -> WaitlistEntry | None: ...

    @abstractmethod
    async def save(self, entry: WaitlistEntry, *, expected_version: int) -> None: ...

    @abstractmethod
    async def find(self, criteria: WaitlistCriteria, page: PageRequest) -> Page[WaitlistEntry]:
        """By priority, then creation time."""

    @abstractmethod
    async def waiting_for(self, practitioner_id: PractitionerId, speciality: str | None) -> Sequence[WaitlistEntry]:
        """Waiting entries for this practitioner, or for the (folded) speciality without a practitioner."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PractitionerInfo:
    """What scheduling needs to know about a practitioner; ``speciality_key`` is folded."""

    id: PractitionerId
    name: str
    speciality: str | None
    speciality_key: str | None
    is_active: bool


class PatientDirectory(Protocol):
    """The patients context, as appointments sees it."""

    @abstractmethod
    async def exists(self, patient_id: PatientId) -> bool: ...

    @abstractmethod
    async def ids_by_mrn(self, mrns: Iterable[str]) -> dict[str, PatientId]: ...


class PractitionerDirectory(Protocol):
    """The practitioners context, as appointments sees it."""

    @abstractmethod
    async def get(self, practitioner_id: PractitionerId) -> PractitionerInfo | None: ...

    @abstractmethod
    async def exists(self, practitioner_id: PractitionerId) -> bool: ...

    @abstractmethod
    async def with_speciality(self, speciality: str) -> Sequence[PractitionerInfo]:
        """Active practitioners whose speciality is ``speciality`` (any case or accent)."""

    @abstractmethod
    async def ids_by_external_id(self, external_ids: Iterable[str]) -> dict[str, PractitionerId]: ...
