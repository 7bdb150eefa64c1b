"""The appointment aggregate and its time slot (FHIR R4 Appointment).

Life cycle (FHIR R4 ``AppointmentStatus``, http://hl7.org/fhir/appointmentstatus), only these moves:

==================  ======================================================================
from                to
==================  ======================================================================
proposed            pending, booked, cancelled, entered-in-error
pending             booked, cancelled, entered-in-error
booked              arrived, checked-in, fulfilled, cancelled, noshow, entered-in-error
arrived             checked-in, fulfilled, entered-in-error
checked-in          fulfilled, entered-in-error
fulfilled           entered-in-error
cancelled, noshow   entered-in-error
entered-in-error    (none)
==================  ======================================================================

Time rules: every time lies in the years 1900 to 2200 (:data:`SCHEDULING_DATES`); nothing is
booked or moved into the past; ``fulfilled`` and ``noshow`` only once the appointment has
started; ``arrived`` / ``checked-in`` at most a day before it starts. Every time is
timezone-aware UTC. A slot lasts at most 24 hours, except for the past stays that
:meth:`Appointment.record_past` imports (a :class:`Period`). A practitioner's *active*
appointments (pending, booked, arrived, checked-in) never overlap: the database enforces it (see
the SQL adapter).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import ClassVar

from prm.domain.appointments.errors import InvalidTimeSlot, InvalidTransition, SlotInThePast
from prm.domain.appointments.events import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentDeleted,
    AppointmentFulfilled,
    AppointmentNoShow,
    AppointmentRescheduled,
    AppointmentStatusChanged,
)
from prm.domain.appointments.ids import AppointmentId, LocationId
from prm.domain.shared.dates import ACCEPTED_DATES
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.ids import PatientId, PractitionerId, TenantId, new_id

MAX_DURATION = timedelta(hours=24)
SCHEDULING_DATES = ACCEPTED_DATES
"""The dates and times scheduling accepts, everywhere (times, schedules' validity, searches, list
filters, waitlist dates): years 1900 to 2200. That covers any clinic's past (imported encounters)
and any sensible future ("valid until 2100"), and stays far enough from the calendar's edges
(0001-01-01, 9999-12-31) that adding a day or applying a zone never overflows."""
EARLY_ARRIVAL = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class TimeSlot:
    """A half-open time range ``[starts_at, ends_at)`` in UTC, at most :data:`MAX_DURATION` long,
    inside :data:`SCHEDULING_DATES`.

    Raises :class:`InvalidTimeSlot` for naive bounds, an end not after the start, or a longer
    range, and ``DateOutOfRange`` outside the years 1900 to 2200. Errors name the wire fields
    ``start_time`` and ``end_time``.
    """

    starts_at: datetime
    ends_at: datetime
    longest: ClassVar[timedelta | None] = MAX_DURATION

    def __post_init__(self) -> None:
        if self.starts_at.tzinfo is None:
            raise InvalidTimeSlot("start_time must carry a time zone (a UTC offset)", field="start_time")
        if self.ends_at.tzinfo is None:
            raise InvalidTimeSlot("end_time must carry a time zone (a UTC offset)", field="end_time")
        starts_at = SCHEDULING_DATES.check_instant(self.starts_at, "start_time")
        ends_at = SCHEDULING_DATES.check_instant(self.ends_at, "end_time", end=True)
        if ends_at <= starts_at:
            raise InvalidTimeSlot("end_time must be after start_time", field="end_time")
        if self.longest is not None and ends_at - starts_at > self.longest:
            raise InvalidTimeSlot("a time slot lasts at most 24 hours: end_time is too late", field="end_time")
        object.__setattr__(self, "starts_at", starts_at)
        object.__setattr__(self, "ends_at", ends_at)

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at

    def overlaps(self, other: "TimeSlot") -> bool:
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at


@dataclass(frozen=True, slots=True)
class Period(TimeSlot):
    """A time range of any length (a search window, an export range): a :class:`TimeSlot` without
    the 24-hour limit."""

    longest: ClassVar[timedelta | None] = None


class AppointmentStatus(StrEnum):
    """FHIR R4 AppointmentStatus (http://hl7.org/fhir/appointmentstatus)."""

    PROPOSED = "proposed"
    PENDING = "pending"
    BOOKED = "booked"
    ARRIVED = "arrived"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    NOSHOW = "noshow"
    ENTERED_IN_ERROR = "entered-in-error"
    CHECKED_IN = "checked-in"
    WAITLIST = "waitlist"


ACTIVE_STATUSES = frozenset(
    {AppointmentStatus.PENDING, AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED, AppointmentStatus.CHECKED_IN}
)
"""Statuses that occupy the practitioner's time (no two of a practitioner may overlap)."""

S = AppointmentStatus
TRANSITIONS: dict[AppointmentStatus, frozenset[AppointmentStatus]] = {
    S.PROPOSED: frozenset({S.PENDING, S.BOOKED, S.CANCELLED, S.ENTERED_IN_ERROR}),
    S.PENDING: frozenset({S.BOOKED, S.CANCELLED, S.ENTERED_IN_ERROR}),
    S.BOOKED: frozenset({S.ARRIVED, S.CHECKED_IN, S.FULFILLED, S.CANCELLED, S.NOSHOW, S.ENTERED_IN_ERROR}),
    S.ARRIVED: frozenset({S.CHECKED_IN, S.FULFILLED, S.ENTERED_IN_ERROR}),
    S.CHECKED_IN: frozenset({S.FULFILLED, S.ENTERED_IN_ERROR}),
    S.FULFILLED: frozenset({S.ENTERED_IN_ERROR}),
    S.CANCELLED: frozenset({S.ENTERED_IN_ERROR}),
    S.NOSHOW: frozenset({S.ENTERED_IN_ERROR}),
    S.ENTERED_IN_ERROR: frozenset(),
    S.WAITLIST: frozenset({S.BOOKED, S.CANCELLED, S.ENTERED_IN_ERROR}),
}
RESCHEDULABLE = frozenset({S.PROPOSED, S.PENDING, S.BOOKED})


class CancellationReason(StrEnum):
    """FHIR R4 appointment-cancellation-reason (http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason)."""

    PATIENT = "pat"
    PATIENT_CARE_RECEIVED_SOMEWHERE_ELSE = "pat-crs"
    PATIENT_CONFLICTING_APPOINTMENT = "pat-cpp"
    PATIENT_DECEASED = "pat-dec"
    PATIENT_FOOD_BOOKED_ON_BENEFITS = "pat-fb"
    PATIENT_LOST_TRANSPORTATION = "pat-lt"
    PATIENT_MOVED_TO_OTHER_APPOINTMENT = "pat-mt"
    PATIENT_MOVED = "pat-mv"
    PATIENT_PREGNANT = "pat-preg"
    PATIENT_SCHEDULED_FROM_WAITLIST = "pat-swl"
    PATIENT_UNHAPPY_CANCELLED = "pat-ucp"
    PROVIDER = "prov"
    PROVIDER_PERSONAL = "prov-pers"
    PROVIDER_DISCHARGED = "prov-dch"
    PROVIDER_EDUCATION = "prov-edu"
    PROVIDER_HOSPITALIZED = "prov-hosp"
    PROVIDER_LABS_OUT_OF_DATE = "prov-labs"
    PROVIDER_MRI_SCREENING_FORM = "prov-mri"
    PROVIDER_ONCOLOGY_TREATMENT_PLAN = "prov-onc"
    EQUIPMENT_MAINTENANCE = "maint"
    PREP_MEDS_INCOMPLETE = "meds-inc"
    OTHER = "other"
    OTHER_CMS_THERAPY = "oth-cms"
    OTHER_ERROR = "oth-err"
    OTHER_FINANCIAL = "oth-fin"
    OTHER_IMPROPER_IV_ACCESS = "oth-iv"
    OTHER_INTERPRETER_ISSUE = "oth-int"
    OTHER_MANUAL_MEDICATION = "oth-mu"
    OTHER_ROOM_RESOURCES = "oth-room"
    OTHER_ORDER_ENTRY_ERROR = "oth-oerr"
    OTHER_SILENT_WALK_IN = "oth-swie"
    OTHER_WEATHER = "oth-weath"


MAX_TEXT = {"appointment_type": 100, "reason_text": 1000, "source_channel": 50, "external_id": 255}


@dataclass(kw_only=True, eq=False)
class Appointment:
    """A booking of a patient with a practitioner (optionally at a location) for a time slot."""

    id: AppointmentId
    tenant_id: TenantId
    patient_id: PatientId
    practitioner_id: PractitionerId
    location_id: LocationId | None
    slot: TimeSlot
    status: AppointmentStatus
    appointment_type: str | None = None
    reason_text: str | None = None
    source_channel: str | None = None
    cancellation_reason: CancellationReason | None = None
    cancelled_at: datetime | None = None
    external_id: str | None = None
    version: int = 1
    created_at: datetime
    updated_at: datetime
    events: list[object] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        for name, limit in MAX_TEXT.items():
            value: str | None = getattr(self, name)
            if value is not None and len(value) > limit:
                raise RuleViolated(f"{name} is longer than {limit} characters", field=name)

    @classmethod
    def book(
        cls,
        *,
        tenant_id: TenantId,
        patient_id: PatientId,
        practitioner_id: PractitionerId,
        location_id: LocationId | None,
        slot: TimeSlot,
        now: datetime,
        appointment_type: str | None = None,
        reason_text: str | None = None,
        source_channel: str | None = None,
        status: AppointmentStatus = AppointmentStatus.BOOKED,
    ) -> "Appointment":
        """A new appointment (``booked``, or ``proposed``/``pending``) starting after ``now``;
        records :class:`AppointmentBooked` when booked. Raises :class:`SlotInThePast`."""
        if slot.starts_at <= now:
            raise SlotInThePast("appointments must start in the future")
        if status not in {S.PROPOSED, S.PENDING, S.BOOKED}:
            raise InvalidTransition(f"a new appointment is proposed, pending or booked, not {status}")
        appointment = cls(
            id=AppointmentId(new_id()),
            tenant_id=tenant_id,
            patient_id=patient_id,
            practitioner_id=practitioner_id,
            location_id=location_id,
            slot=slot,
            status=status,
            appointment_type=appointment_type,
            reason_text=reason_text,
            source_channel=source_channel,
            created_at=now,
            updated_at=now,
        )
        if status is S.BOOKED:
            appointment.events.append(
                AppointmentBooked(
                    appointment.id, patient_id, practitioner_id, slot.starts_at, slot.ends_at, appointment_type
                )
            )
        return appointment

    @classmethod
    def record_past(
        cls,
        *,
        tenant_id: TenantId,
        patient_id: PatientId,
        practitioner_id: PractitionerId,
        slot: TimeSlot,
        now: datetime,
        appointment_type: str | None = None,
        reason_text: str | None = None,
        source_channel: str | None = None,
        external_id: str | None = None,
    ) -> "Appointment":
        """An appointment that has already taken place (an imported encounter), ``fulfilled``,
        with no events (history is not news to the other modules).

        ``slot`` may be a :class:`Period` longer than a day: an inpatient or hospice stay keeps its
        real times. Fulfilled appointments are never active, so they take no part in the overlap
        rule. Raises :class:`InvalidTransition` when ``slot`` starts after ``now``.
        """
        if slot.starts_at > now:
            raise InvalidTransition("an appointment cannot be fulfilled before it starts")
        return cls(
            id=AppointmentId(new_id()),
            tenant_id=tenant_id,
            patient_id=patient_id,
            practitioner_id=practitioner_id,
            location_id=None,
            slot=slot,
            status=S.FULFILLED,
            appointment_type=appointment_type,
            reason_text=reason_text,
            source_channel=source_channel,
            external_id=external_id,
            created_at=now,
            updated_at=now,
        )

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def can_move_to(self, status: AppointmentStatus) -> bool:
        return status in TRANSITIONS[self.status]

    def move_to(self, status: AppointmentStatus, now: datetime) -> None:
        """Follow the life cycle (module docstring); raises :class:`InvalidTransition` for a move
        it does not have or too early (fulfilled / noshow before the start). Cancelling goes
        through :meth:`cancel` (it needs a reason)."""
        if status is self.status:
            return
        if status is S.CANCELLED:
            raise InvalidTransition("cancel an appointment with its cancel action (it needs a reason)")
        if not self.can_move_to(status):
            raise InvalidTransition(f"an appointment that is {self.status} cannot become {status}")
        if status in {S.FULFILLED, S.NOSHOW} and now < self.slot.starts_at:
            raise InvalidTransition(f"an appointment cannot be {status} before it starts")
        if status in {S.ARRIVED, S.CHECKED_IN} and now < self.slot.starts_at - EARLY_ARRIVAL:
            raise InvalidTransition(f"too early for {status}: the appointment is more than a day away")
        previous = self.status
        self.status = status
        self._touch(now)
        if status is S.FULFILLED:
            self.events.append(AppointmentFulfilled(self.id, self.patient_id))
        elif status is S.NOSHOW:
            self.events.append(AppointmentNoShow(self.id, self.patient_id))
        elif status is S.BOOKED:
            self.events.append(
                AppointmentBooked(
                    self.id,
                    self.patient_id,
                    self.practitioner_id,
                    self.slot.starts_at,
                    self.slot.ends_at,
                    self.appointment_type,
                )
            )
        else:
            self.events.append(AppointmentStatusChanged(self.id, previous.value, status.value))

    def cancel(self, reason: CancellationReason, now: datetime, *, notify_patient: bool = True) -> None:
        """Cancel with a coded reason; raises :class:`InvalidTransition` once it has happened or
        was cancelled already (there is no un-cancel)."""
        if not self.can_move_to(S.CANCELLED):
            raise InvalidTransition(f"an appointment that is {self.status} cannot be cancelled")
        self.status = S.CANCELLED
        self.cancellation_reason = reason
        self.cancelled_at = now
        self._touch(now)
        self.events.append(
            AppointmentCancelled(
                self.id,
                self.patient_id,
                self.practitioner_id,
                self.slot.starts_at,
                self.slot.ends_at,
                reason.value,
                notify_patient,
            )
        )

    def reschedule(self, slot: TimeSlot, now: datetime) -> None:
        """Move to ``slot`` (future only; proposed, pending or booked appointments only).
        The caller checks the practitioner's other appointments; the database enforces it."""
        if slot == self.slot:
            return
        if self.status not in RESCHEDULABLE:
            raise InvalidTransition(f"an appointment that is {self.status} cannot be rescheduled")
        if slot.starts_at <= now:
            raise SlotInThePast("appointments can only be moved to the future")
        previous = self.slot
        self.slot = slot
        self._touch(now)
        self.events.append(
            AppointmentRescheduled(
                self.id, self.patient_id, self.practitioner_id, previous.starts_at, slot.starts_at, slot.ends_at
            )
        )

    def record_reschedule(self, slot: TimeSlot, now: datetime) -> None:
        """Move to ``slot`` as another system recorded it (HL7 v2 SIU^S13 from a hospital): the
        past is allowed, because the record is the hospital's; otherwise as :meth:`reschedule`
        (only proposed, pending or booked appointments; ``AppointmentRescheduled`` for a future
        slot, none for history)."""
        if slot.starts_at > now:
            self.reschedule(slot, now)
            return
        if slot == self.slot:
            return
        if self.status not in RESCHEDULABLE:
            raise InvalidTransition(f"an appointment that is {self.status} cannot be rescheduled")
        self.slot = slot
        self._touch(now)

    def revise(self, now: datetime, **changes: str | None) -> tuple[str, ...]:
        """Change descriptive fields (``appointment_type``, ``reason_text``, ``source_channel``);
        returns the names that changed."""
        changed = []
        for name, value in changes.items():
            if name not in {"appointment_type", "reason_text", "source_channel"}:
                raise RuleViolated(f"cannot change {name}", field=name)
            if value is not None and len(value) > MAX_TEXT[name]:
                raise RuleViolated(f"{name} is longer than {MAX_TEXT[name]} characters", field=name)
            if getattr(self, name) != value:
                setattr(self, name, value)
                changed.append(name)
        if changed:
            self._touch(now)
        return tuple(changed)

    def delete(self) -> None:
        self.events.append(AppointmentDeleted(self.id))

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
        self.version += 1
