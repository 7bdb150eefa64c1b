"""Locations, practitioners' weekly schedules at a location, and their exceptions.

A schedule's rules are wall-clock times in the location's IANA time zone (``Europe/London``):
"Mondays and Thursdays 09:00-12:30" stays 09:00-12:30 local on both sides of a daylight-saving
change. Exceptions are absolute UTC ranges: time off removes availability, an extra session adds
some (FHIR R4 Schedule / Slot in spirit, kept simpler).
"""

import functools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from prm.domain.appointments.errors import InvalidSchedule
from prm.domain.appointments.ids import LocationId, ScheduleExceptionId, ScheduleId
from prm.domain.appointments.model import SCHEDULING_DATES, TimeSlot
from prm.domain.shared.contact import Address
from prm.domain.shared.ids import PractitionerId, TenantId

MAX_SLOT_MINUTES = 8 * 60
MAX_BUFFER_MINUTES = 4 * 60


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name`` (``"America/New_York"``); raises :class:`InvalidSchedule`."""
    try:
        if name not in _zone_names():
            raise ZoneInfoNotFoundError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidSchedule(f"unknown IANA time zone {name!r}", field="time_zone") from exc


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Location:
    """A place where practitioners see patients, with its IANA time zone and E.164 phone."""

    id: LocationId
    tenant_id: TenantId
    name: str
    time_zone: str
    address: Address | None = None
    phone: str | None = None
    created_at: datetime

    def __post_init__(self) -> None:
        if not self.name.strip() or len(self.name) > 200:
            raise InvalidSchedule("a location needs a name of 1 to 200 characters", field="name")
        zone(self.time_zone)

    @property
    def zone(self) -> ZoneInfo:
        return zone(self.time_zone)


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def number(self) -> int:
        """0 for Monday, as ``date.weekday()`` and dateutil's ``MO`` … ``SU``."""
        return list(Weekday).index(self)


@dataclass(frozen=True, slots=True)
class WeeklyRule:
    """On ``weekdays``, available from ``start`` to ``end`` local wall-clock time (``end`` after ``start``)."""

    weekdays: tuple[Weekday, ...]
    start: time
    end: time

    def __post_init__(self) -> None:
        if not self.weekdays:
            raise InvalidSchedule("a rule needs at least one weekday", field="rules")
        if self.end <= self.start:
            raise InvalidSchedule("a rule's end must be after its start, the same day", field="rules")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise InvalidSchedule("rule times are local wall-clock times, without an offset", field="rules")


@dataclass(frozen=True, slots=True, kw_only=True)
class Schedule:
    """A practitioner's weekly availability at a location from ``valid_from`` to ``valid_until``
    (inclusive local dates in the years 1900 to 2200; ``None``: open-ended), in slots of
    ``slot_minutes`` separated by at least ``buffer_minutes``."""

    id: ScheduleId
    tenant_id: TenantId
    practitioner_id: PractitionerId
    location_id: LocationId
    rules: tuple[WeeklyRule, ...]
    slot_minutes: int = 30
    buffer_minutes: int = 0
    valid_from: date
    valid_until: date | None = None
    created_at: datetime

    def __post_init__(self) -> None:
        if not self.rules:
            raise InvalidSchedule("a schedule needs at least one weekly rule", field="rules")
        if not 5 <= self.slot_minutes <= MAX_SLOT_MINUTES:
            raise InvalidSchedule(f"slot_minutes must be 5 to {MAX_SLOT_MINUTES}", field="slot_minutes")
        if not 0 <= self.buffer_minutes <= MAX_BUFFER_MINUTES:
            raise InvalidSchedule(f"buffer_minutes must be 0 to {MAX_BUFFER_MINUTES}", field="buffer_minutes")
        SCHEDULING_DATES.check_date(self.valid_from, "valid_from")
        if self.valid_until is not None:
            SCHEDULING_DATES.check_date(self.valid_until, "valid_until")
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise InvalidSchedule("valid_until must not be before valid_from", field="valid_until")

    @property
    def slot_length(self) -> timedelta:
        return timedelta(minutes=self.slot_minutes)

    @property
    def buffer(self) -> timedelta:
        return timedelta(minutes=self.buffer_minutes)


class ExceptionKind(StrEnum):
    TIME_OFF = "time_off"
    EXTRA = "extra"


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduleException:
    """Time off (no slots during ``slot``) or an extra session (slots during ``slot``), in UTC."""

    id: ScheduleExceptionId
    tenant_id: TenantId
    schedule_id: ScheduleId
    kind: ExceptionKind
    slot: TimeSlot
    reason: str | None = None

    def __post_init__(self) -> None:
        if self.reason is not None and len(self.reason) > 500:
            raise InvalidSchedule("reason is longer than 500 characters", field="reason")
