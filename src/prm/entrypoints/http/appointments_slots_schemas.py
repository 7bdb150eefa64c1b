"""Wire schemas of availability and conversational booking (find-slots, select-slot)."""

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import msgspec

from prm.application.appointments.slots import AvailableSlot
from prm.domain.appointments.schedule import Weekday
from prm.domain.appointments.waitlist import PartOfDay
from prm.entrypoints.http.appointments_schemas import AppointmentResponse, ShortText


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
