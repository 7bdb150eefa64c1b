"""Wire schemas of the waitlist and its offers."""

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import msgspec

from prm.application.appointments.answer_offer import OfferAnswered
from prm.domain.appointments.waitlist import Hold, PartOfDay, WaitlistEntry, WaitlistStatus
from prm.entrypoints.http.appointments_schemas import AppointmentResponse, appointment_response


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
