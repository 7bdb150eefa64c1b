"""Holds on slots and the waitlist.

A :class:`Hold` keeps a slot for one patient for a few minutes: the numbered slots of a
conversational ``find-slots`` (kind ``booking``) or a freed slot offered to a waiting patient
(kind ``offer``). A live hold blocks the slot for everybody else.

A :class:`WaitlistEntry` is a patient waiting for a practitioner, or for any practitioner of a
speciality, with preferred local dates and parts of day and a priority (1 most urgent … 5).
When an appointment is cancelled, the freed slot goes to the best matching entry: among the
entries that accept it (practitioner or speciality, location, preferred dates and times when
given; not already offered this very slot), the lowest priority number, then the longest waiting.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum

from prm.domain.appointments.errors import HoldExpired, InvalidSchedule, InvalidTransition
from prm.domain.appointments.events import WaitlistOfferMade
from prm.domain.appointments.ids import AppointmentId, ConversationId, HoldId, LocationId, WaitlistEntryId
from prm.domain.appointments.model import SCHEDULING_DATES, TimeSlot
from prm.domain.shared.ids import PatientId, PractitionerId, TenantId


class PartOfDay(StrEnum):
    """Local wall-clock parts of day: morning before 12:00, afternoon 12:00-17:00, evening after."""

    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"

    @classmethod
    def of(cls, local: time) -> "PartOfDay":
        if local < time(12):
            return cls.MORNING
        return cls.AFTERNOON if local < time(17) else cls.EVENING


class HoldKind(StrEnum):
    BOOKING = "booking"
    OFFER = "offer"


class HoldStatus(StrEnum):
    ACTIVE = "active"
    USED = "used"
    RELEASED = "released"
    DECLINED = "declined"
    EXPIRED = "expired"


@dataclass(kw_only=True, eq=False)
class Hold:
    """A slot kept for ``patient_id`` until ``expires_at`` (UTC)."""

    id: HoldId
    tenant_id: TenantId
    kind: HoldKind
    patient_id: PatientId
    practitioner_id: PractitionerId
    location_id: LocationId | None
    slot: TimeSlot
    expires_at: datetime
    status: HoldStatus = HoldStatus.ACTIVE
    conversation_id: ConversationId | None = None
    ordinal: int | None = None
    waitlist_entry_id: WaitlistEntryId | None = None
    appointment_id: AppointmentId | None = None
    created_at: datetime
    events: list[object] = field(default_factory=list, repr=False)

    def is_live(self, now: datetime) -> bool:
        return self.status is HoldStatus.ACTIVE and now < self.expires_at

    def use(self, appointment_id: AppointmentId, now: datetime) -> None:
        """Turn the hold into the booking; raises :class:`HoldExpired` when it is no longer live."""
        if not self.is_live(now):
            raise HoldExpired("the hold on this slot has expired: look for slots again")
        self.status = HoldStatus.USED
        self.appointment_id = appointment_id

    def end(self, status: HoldStatus) -> None:
        if self.status is HoldStatus.ACTIVE:
            self.status = status


class WaitlistStatus(StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"
    BOOKED = "booked"
    CANCELLED = "cancelled"


@dataclass(kw_only=True, eq=False)
class WaitlistEntry:
    """A patient waiting for a practitioner or a speciality (folded), optionally at a location;
    ``preferred_dates`` are local dates in the years 1900 to 2200."""

    id: WaitlistEntryId
    tenant_id: TenantId
    patient_id: PatientId
    practitioner_id: PractitionerId | None = None
    speciality: str | None = None
    location_id: LocationId | None = None
    preferred_dates: tuple[date, ...] = ()
    preferred_times: tuple[PartOfDay, ...] = ()
    priority: int = 3
    notes: str | None = None
    status: WaitlistStatus = WaitlistStatus.WAITING
    version: int = 1
    created_at: datetime
    updated_at: datetime
    events: list[object] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if self.practitioner_id is None and not (self.speciality and self.speciality.strip()):
            raise InvalidSchedule("a waitlist entry needs a practitioner_id or a speciality", field="practitioner_id")
        if not 1 <= self.priority <= 5:
            raise InvalidSchedule("priority is 1 (most urgent) to 5", field="priority")
        if self.notes is not None and len(self.notes) > 1000:
            raise InvalidSchedule("notes is longer than 1000 characters", field="notes")
        for day in self.preferred_dates:
            SCHEDULING_DATES.check_date(day, "preferred_dates")

    def accepts(
        self,
        *,
        practitioner_id: PractitionerId,
        speciality: str | None,
        location_id: LocationId | None,
        local_start: datetime,
    ) -> bool:
        """Whether this waiting entry would take a slot starting at ``local_start`` (location's
        wall-clock) with this practitioner (``speciality`` folded) and location."""
        if self.status is not WaitlistStatus.WAITING:
            return False
        if self.practitioner_id is not None and self.practitioner_id != practitioner_id:
            return False
        if self.practitioner_id is None and self.speciality != speciality:
            return False
        if self.location_id is not None and self.location_id != location_id:
            return False
        if self.preferred_dates and local_start.date() not in self.preferred_dates:
            return False
        return not self.preferred_times or PartOfDay.of(local_start.time()) in self.preferred_times

    @property
    def rank(self) -> tuple[int, datetime]:
        return (self.priority, self.created_at)

    def offer(self, hold: Hold, now: datetime) -> None:
        if self.status is not WaitlistStatus.WAITING:
            raise InvalidTransition(f"a waitlist entry that is {self.status} cannot get an offer")
        self.status = WaitlistStatus.OFFERED
        self._touch(now)
        self.events.append(WaitlistOfferMade(hold.id, self.id, self.patient_id, hold.slot.starts_at, hold.expires_at))

    def back_to_waiting(self, now: datetime) -> None:
        if self.status is WaitlistStatus.OFFERED:
            self.status = WaitlistStatus.WAITING
            self._touch(now)

    def booked(self, now: datetime) -> None:
        self.status = WaitlistStatus.BOOKED
        self._touch(now)

    def cancel(self, now: datetime) -> None:
        if self.status in {WaitlistStatus.BOOKED, WaitlistStatus.CANCELLED}:
            raise InvalidTransition(f"a waitlist entry that is {self.status} cannot be cancelled")
        self.status = WaitlistStatus.CANCELLED
        self._touch(now)

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
        self.version += 1


def best_entry(
    entries: list[WaitlistEntry],
    *,
    practitioner_id: PractitionerId,
    speciality: str | None,
    location_id: LocationId | None,
    local_start: datetime,
    excluded: frozenset[WaitlistEntryId] = frozenset(),
) -> WaitlistEntry | None:
    """The entry the slot goes to (module docstring), or ``None``."""
    candidates = [
        e
        for e in entries
        if e.id not in excluded
        and e.accepts(
            practitioner_id=practitioner_id, speciality=speciality, location_id=location_id, local_start=local_start
        )
    ]
    return min(candidates, key=lambda e: e.rank) if candidates else None
