"""Wire schemas of the appointments API (snake_case; times are RFC 3339 with an offset, UTC out)."""

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import msgspec

from prm.application.appointments.answer_offer import OfferAnswered
from prm.application.appointments.appointment_stats import AppointmentStats
from prm.application.appointments.slots import AvailableSlot
from prm.domain.appointments.model import Appointment, AppointmentStatus, CancellationReason
from prm.domain.appointments.schedule import ExceptionKind, Location, Schedule, ScheduleException, Weekday
from prm.domain.appointments.waitlist import Hold, PartOfDay, WaitlistEntry, WaitlistStatus
from prm.domain.shared.contact import AddressUse

AwareDateTime = Annotated[datetime, msgspec.Meta(tz=True)]
LocalTime = Annotated[str, msgspec.Meta(pattern=r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$", examples=["09:00"])]
ShortText = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class AppointmentResponse(msgspec.Struct, frozen=True):
    id: UUID
    tenant_id: UUID
    patient_id: UUID
    practitioner_id: UUID
    location_id: UUID | None
    start_time: datetime
    end_time: datetime
    duration_minutes: int
    status: AppointmentStatus
    appointment_type: str | None
    reason_text: str | None
    source_channel: str | None
    cancellation_reason: CancellationReason | None
    cancelled_at: datetime | None
    external_id: str | None
    version: int
    created_at: datetime
    updated_at: datetime


def appointment_response(a: Appointment) -> AppointmentResponse:
    return AppointmentResponse(
        id=a.id,
        tenant_id=a.tenant_id,
        patient_id=a.patient_id,
        practitioner_id=a.practitioner_id,
        location_id=a.location_id,
        start_time=a.slot.starts_at,
        end_time=a.slot.ends_at,
        duration_minutes=int(a.slot.duration.total_seconds() // 60),
        status=a.status,
        appointment_type=a.appointment_type,
        reason_text=a.reason_text,
        source_channel=a.source_channel,
        cancellation_reason=a.cancellation_reason,
        cancelled_at=a.cancelled_at,
        external_id=a.external_id,
        version=a.version,
        created_at=a.created_at,
        updated_at=a.updated_at,
    )


class CreateAppointmentRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``time_slot_id`` from the availability endpoint alone (it names its practitioner and
    location), or ``practitioner_id`` with ``start_time`` and ``end_time`` (years 1900 to 2200)."""

    patient_id: UUID
    practitioner_id: UUID | None = None
    location_id: UUID | None = None
    time_slot_id: UUID | None = None
    start_time: AwareDateTime | None = None
    end_time: AwareDateTime | None = None
    appointment_type: ShortText | None = None
    reason_text: Annotated[str, msgspec.Meta(max_length=1000)] | None = None
    source_channel: Annotated[str, msgspec.Meta(min_length=1, max_length=50)] | None = None
    status: AppointmentStatus = AppointmentStatus.BOOKED
    tenant_id: UUID | None = None


class UpdateAppointmentRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Only the fields present change. ``status`` moves the life cycle (cancel with its own action)."""

    start_time: AwareDateTime | msgspec.UnsetType = msgspec.UNSET
    end_time: AwareDateTime | msgspec.UnsetType = msgspec.UNSET
    status: AppointmentStatus | msgspec.UnsetType = msgspec.UNSET
    appointment_type: ShortText | None | msgspec.UnsetType = msgspec.UNSET
    reason_text: Annotated[str, msgspec.Meta(max_length=1000)] | None | msgspec.UnsetType = msgspec.UNSET
    source_channel: Annotated[str, msgspec.Meta(max_length=50)] | None | msgspec.UnsetType = msgspec.UNSET
    version: int | msgspec.UnsetType = msgspec.UNSET
    tenant_id: UUID | None | msgspec.UnsetType = msgspec.UNSET


class CancelAppointmentRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``reason``: FHIR R4 appointment-cancellation-reason code (``pat``, ``prov``, ``oth-weath`` …)."""

    reason: CancellationReason = CancellationReason.OTHER


class CancelResponse(msgspec.Struct, frozen=True):
    appointment: AppointmentResponse
    waitlist_offer_id: UUID | None


class SlotResponse(msgspec.Struct, frozen=True):
    """A free slot: ``time_slot_id`` books it; ``local_start``/``local_end`` in the location's zone."""

    time_slot_id: UUID
    practitioner_id: UUID
    location_id: UUID
    start_time: datetime
    end_time: datetime
    local_start: datetime
    local_end: datetime
    time_zone: str


def slot_response(s: AvailableSlot) -> SlotResponse:
    local_end = s.slot.ends_at.astimezone(s.local_start.tzinfo)
    return SlotResponse(
        time_slot_id=s.slot_id,
        practitioner_id=s.practitioner_id,
        location_id=s.location_id,
        start_time=s.slot.starts_at,
        end_time=s.slot.ends_at,
        local_start=s.local_start,
        local_end=local_end,
        time_zone=s.time_zone,
    )


class AvailabilityResponse(msgspec.Struct, frozen=True):
    start_date: date
    end_date: date
    count: int
    slots: list[SlotResponse]


class ConflictItem(msgspec.Struct, frozen=True):
    appointment_id: UUID
    patient_id: UUID
    status: AppointmentStatus
    start_time: datetime
    end_time: datetime


class ConflictsResponse(msgspec.Struct, frozen=True):
    has_conflict: bool
    conflict_count: int
    conflicting_appointments: list[ConflictItem]


class StatsResponse(msgspec.Struct, frozen=True):
    total: int
    today: int
    upcoming: int
    completed: int
    cancelled: int
    no_show: int
    no_show_rate: float | None
    by_status: dict[str, int]
    by_type: dict[str, int]


def stats_response(s: AppointmentStats) -> StatsResponse:
    return StatsResponse(
        total=s.total,
        today=s.today,
        upcoming=s.upcoming,
        completed=s.completed,
        cancelled=s.cancelled,
        no_show=s.no_show,
        no_show_rate=s.no_show_rate,
        by_status=s.by_status,
        by_type=s.by_type,
    )


class FindSlotsRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    patient_id: UUID
    practitioner_id: UUID | None = None
    speciality: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    location_id: UUID | None = None
    start_date: date | None = None
    end_date: date | None = None
    part_of_day: PartOfDay | None = None
    weekdays: list[Weekday] = msgspec.field(default_factory=list)
    duration: Annotated[int, msgspec.Meta(ge=5, le=480)] | None = None
    count: Annotated[int, msgspec.Meta(ge=1, le=10)] = 5


class HeldSlotResponse(msgspec.Struct, frozen=True):
    number: int
    hold_id: UUID
    practitioner_id: UUID
    location_id: UUID | None
    start_time: datetime
    end_time: datetime
    local_start: datetime
    time_zone: str


class FindSlotsResponse(msgspec.Struct, frozen=True):
    """``message`` is a ready-to-send text listing the choices, one per line."""

    conversation_id: UUID
    expires_at: datetime
    slots: list[HeldSlotResponse]
    message: str


class SelectSlotRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    conversation_id: UUID
    patient_id: UUID
    reply: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    appointment_type: ShortText | None = None
    reason_text: Annotated[str, msgspec.Meta(max_length=1000)] | None = None


class SelectSlotResponse(msgspec.Struct, frozen=True):
    """``local_start``/``local_end`` in ``time_zone``, the zone the slot was offered in; ``message``
    confirms that same wall-clock time."""

    appointment: AppointmentResponse
    local_start: datetime
    local_end: datetime
    time_zone: str
    message: str


def local_text(local: datetime, time_zone: str) -> str:
    """``"Tue 08 Dec 09:00 (Europe/London)"``: how find-slots offers a time and select-slot confirms it."""
    return f"{local:%a %d %b %H:%M} ({time_zone})"


# --- locations and schedules ------------------------------------------------------------------


class AddressBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    use: AddressUse | None = None
    line: list[str] = msgspec.field(default_factory=list)
    city: str | None = None
    district: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None


class CreateLocationRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    time_zone: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    address: AddressBody | None = None
    phone: Annotated[str, msgspec.Meta(max_length=40)] | None = None


class LocationResponse(msgspec.Struct, frozen=True):
    id: UUID
    name: str
    time_zone: str
    address: AddressBody | None
    phone: str | None
    created_at: datetime


def location_response(loc: Location) -> LocationResponse:
    address = None
    if loc.address is not None:
        a = loc.address
        address = AddressBody(
            use=a.use,
            line=list(a.line),
            city=a.city,
            district=a.district,
            state=a.state,
            postal_code=a.postal_code,
            country=a.country,
        )
    return LocationResponse(
        id=loc.id, name=loc.name, time_zone=loc.time_zone, address=address, phone=loc.phone, created_at=loc.created_at
    )


class RuleBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Local wall-clock ``start``/``end`` (``"09:00"``) on ``weekdays`` (``["mon", "thu"]``)."""

    weekdays: list[Weekday]
    start: LocalTime
    end: LocalTime


class CreateScheduleRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    practitioner_id: UUID
    location_id: UUID
    rules: Annotated[list[RuleBody], msgspec.Meta(min_length=1, max_length=50)]
    slot_minutes: int = 30
    buffer_minutes: int = 0
    valid_from: date | None = None
    valid_until: date | None = None


class ScheduleResponse(msgspec.Struct, frozen=True):
    id: UUID
    practitioner_id: UUID
    location_id: UUID
    rules: list[RuleBody]
    slot_minutes: int
    buffer_minutes: int
    valid_from: date
    valid_until: date | None
    created_at: datetime


def schedule_response(s: Schedule) -> ScheduleResponse:
    return ScheduleResponse(
        id=s.id,
        practitioner_id=s.practitioner_id,
        location_id=s.location_id,
        rules=[RuleBody(list(r.weekdays), r.start.isoformat("minutes"), r.end.isoformat("minutes")) for r in s.rules],
        slot_minutes=s.slot_minutes,
        buffer_minutes=s.buffer_minutes,
        valid_from=s.valid_from,
        valid_until=s.valid_until,
        created_at=s.created_at,
    )


class CreateExceptionRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``time_off`` removes availability, ``extra`` adds a session; times with an offset."""

    kind: ExceptionKind
    start_time: AwareDateTime
    end_time: AwareDateTime
    reason: Annotated[str, msgspec.Meta(max_length=500)] | None = None


class ExceptionResponse(msgspec.Struct, frozen=True):
    id: UUID
    schedule_id: UUID
    kind: ExceptionKind
    start_time: datetime
    end_time: datetime
    reason: str | None


def exception_response(e: ScheduleException) -> ExceptionResponse:
    return ExceptionResponse(
        id=e.id,
        schedule_id=e.schedule_id,
        kind=e.kind,
        start_time=e.slot.starts_at,
        end_time=e.slot.ends_at,
        reason=e.reason,
    )


# --- waitlist -----------------------------------------------------------------------------------


class CreateWaitlistEntryRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A practitioner or a speciality; ``preferred_dates`` local dates; ``priority`` 1 (urgent) to 5."""

    patient_id: UUID
    practitioner_id: UUID | None = None
    speciality: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    location_id: UUID | None = None
    preferred_dates: Annotated[list[date], msgspec.Meta(max_length=366)] = msgspec.field(default_factory=list)
    preferred_times: list[PartOfDay] = msgspec.field(default_factory=list)
    priority: Annotated[int, msgspec.Meta(ge=1, le=5)] = 3
    notes: Annotated[str, msgspec.Meta(max_length=1000)] | None = None


class WaitlistEntryResponse(msgspec.Struct, frozen=True):
    id: UUID
    patient_id: UUID
    practitioner_id: UUID | None
    speciality: str | None
    location_id: UUID | None
    preferred_dates: list[date]
    preferred_times: list[PartOfDay]
    priority: int
    notes: str | None
    status: WaitlistStatus
    created_at: datetime
    updated_at: datetime


def waitlist_response(e: WaitlistEntry) -> WaitlistEntryResponse:
    return WaitlistEntryResponse(
        id=e.id,
        patient_id=e.patient_id,
        practitioner_id=e.practitioner_id,
        speciality=e.speciality,
        location_id=e.location_id,
        preferred_dates=list(e.preferred_dates),
        preferred_times=list(e.preferred_times),
        priority=e.priority,
        notes=e.notes,
        status=e.status,
        created_at=e.created_at,
        updated_at=e.updated_at,
    )


class OfferResponse(msgspec.Struct, frozen=True):
    id: UUID
    waitlist_entry_id: UUID | None
    patient_id: UUID
    practitioner_id: UUID
    location_id: UUID | None
    start_time: datetime
    end_time: datetime
    expires_at: datetime
    status: str
    appointment_id: UUID | None


def offer_response(h: Hold) -> OfferResponse:
    return OfferResponse(
        id=h.id,
        waitlist_entry_id=h.waitlist_entry_id,
        patient_id=h.patient_id,
        practitioner_id=h.practitioner_id,
        location_id=h.location_id,
        start_time=h.slot.starts_at,
        end_time=h.slot.ends_at,
        expires_at=h.expires_at,
        status=h.status.value,
        appointment_id=h.appointment_id,
    )


class OfferAnswerResponse(msgspec.Struct, frozen=True):
    offer: OfferResponse
    appointment: AppointmentResponse | None
    next_offer: OfferResponse | None


def answer_response(a: OfferAnswered) -> OfferAnswerResponse:
    return OfferAnswerResponse(
        offer=offer_response(a.offer),
        appointment=appointment_response(a.appointment) if a.appointment else None,
        next_offer=offer_response(a.next_offer) if a.next_offer else None,
    )
