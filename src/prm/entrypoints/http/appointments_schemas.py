"""Wire schemas of the appointments API's appointments (snake_case; times are RFC 3339 with an offset, UTC out)."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from prm.application.appointments.appointment_stats import AppointmentStats
from prm.domain.appointments.model import Appointment, AppointmentStatus, CancellationReason

AwareDateTime = Annotated[datetime, msgspec.Meta(tz=True)]
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
