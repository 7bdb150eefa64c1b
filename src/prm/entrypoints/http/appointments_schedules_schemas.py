"""Wire schemas of locations, schedules and schedule exceptions (times with an offset, UTC out)."""

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import msgspec

from prm.domain.appointments.schedule import ExceptionKind, Location, Schedule, ScheduleException, Weekday
from prm.domain.shared.contact import AddressUse
from prm.entrypoints.http.appointments_schemas import AwareDateTime

LocalTime = Annotated[str, msgspec.Meta(pattern=r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$", examples=["09:00"])]


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
