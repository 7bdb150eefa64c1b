"""Service-level targets of tickets: how long a first response and a resolution may take, per
priority, counted in business hours of a time zone when the policy sets them, else wall-clock.

Defaults (:data:`DEFAULT_TARGETS`): urgent 1 h / 4 h, high 4 h / 24 h, medium 8 h / 72 h, low
24 h / 168 h (first response / resolution). A tenant replaces them with a policy of its own.

Business hours (:class:`BusinessHours`) are local wall times on some weekdays in an IANA zone
(``Mon-Fri 09:00-17:00 Europe/London``). A due time is the instant at which ``duration`` of
business time has passed since the start: time outside the hours does not count, a start outside
them counts from the next opening, and a day whose hours shrink or grow with a DST change counts
the time that really passes (a local opening that does not exist, in a spring-forward gap, moves
to the first wall time after the gap). Due times are UTC.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.tz import resolve_imaginary

from prm.domain.tickets.codes import TicketPriority
from prm.domain.tickets.errors import InvalidSlaPolicy

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday codes, Monday first (their index is ``date.weekday()``)."""

MAX_TARGET = timedelta(days=90)
"""The longest target a policy may set (first response or resolution)."""

_MAX_DAYS = 3_700
"""How far the business-hours walk may look ahead, in days (a policy is refused when its longest
target would need more, see :class:`SlaPolicy`)."""


@dataclass(frozen=True, slots=True)
class SlaTarget:
    """How long the first response and the resolution may take; both positive, at most
    :data:`MAX_TARGET`, the first response no longer than the resolution."""

    first_response: timedelta
    resolution: timedelta

    def __post_init__(self) -> None:
        for name in ("first_response", "resolution"):
            value: timedelta = getattr(self, name)
            if not timedelta(0) < value <= MAX_TARGET:
                raise InvalidSlaPolicy(f"{name} must be more than 0 and at most {MAX_TARGET.days} days", field=name)
        if self.first_response > self.resolution:
            raise InvalidSlaPolicy("first_response cannot be longer than resolution", field="first_response")


DEFAULT_TARGETS: Mapping[TicketPriority, SlaTarget] = {
    TicketPriority.URGENT: SlaTarget(timedelta(hours=1), timedelta(hours=4)),
    TicketPriority.HIGH: SlaTarget(timedelta(hours=4), timedelta(hours=24)),
    TicketPriority.MEDIUM: SlaTarget(timedelta(hours=8), timedelta(hours=72)),
    TicketPriority.LOW: SlaTarget(timedelta(hours=24), timedelta(hours=168)),
}


def zone_of(name: str, *, field: str = "time_zone") -> ZoneInfo:
    """The IANA zone ``name``; raises :class:`InvalidSlaPolicy` naming ``field`` for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidSlaPolicy(f"unknown time zone {name!r}", field=field) from exc


@dataclass(frozen=True, slots=True, kw_only=True)
class BusinessHours:
    """Local opening hours: ``opens`` to ``closes`` (wall times, ``opens`` first) on ``weekdays``
    (0 = Monday) in the IANA zone ``time_zone``."""

    time_zone: str
    weekdays: frozenset[int]
    opens: time
    closes: time

    def __post_init__(self) -> None:
        zone_of(self.time_zone, field="business_hours.time_zone")
        if not self.weekdays or not self.weekdays <= frozenset(range(7)):
            raise InvalidSlaPolicy("weekdays must name at least one day of the week", field="business_hours.weekdays")
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise InvalidSlaPolicy("opening hours are local wall times", field="business_hours.opens")
        if self.opens >= self.closes:
            raise InvalidSlaPolicy("business hours must close after they open", field="business_hours.closes")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def weekly(self) -> timedelta:
        """Business time in an ordinary week (no DST change)."""
        day = datetime.combine(date.min, self.closes) - datetime.combine(date.min, self.opens)
        return day * len(self.weekdays)

    def windows(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open periods from ``start`` on, as UTC ``(begin, end)`` pairs, the first one
        beginning no earlier than ``start``; stops after :data:`_MAX_DAYS` days."""
        zone = self.zone
        day = start.astimezone(zone).date()
        for _ in range(_MAX_DAYS):
            if day.weekday() in self.weekdays:
                opens = _instant(day, self.opens, zone)
                closes = _instant(day, self.closes, zone)
                begin = max(opens, start)
                if begin < closes:
                    yield begin, closes
            day += timedelta(days=1)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant ``duration`` of business time after ``start`` (UTC)."""
        start = _utc(start)
        remaining = duration
        for begin, end in self.windows(start):
            if remaining <= end - begin:
                return begin + remaining
            remaining -= end - begin
        raise ValueError(f"{duration} of business time does not fit in {_MAX_DAYS} days")  # the policy prevents it

    def between(self, start: datetime, end: datetime) -> timedelta:
        """The business time from ``start`` to ``end`` (zero when ``end`` is not later)."""
        start, end = _utc(start), _utc(end)
        total = timedelta(0)
        for begin, closes in self.windows(start):
            if begin >= end:
                break
            total += min(closes, end) - begin
        return total

    def is_open(self, instant: datetime) -> bool:
        """Whether ``instant`` is within the hours (their opening and closing included)."""
        local = instant.astimezone(self.zone)
        if local.weekday() not in self.weekdays:
            return False
        return (
            _instant(local.date(), self.opens, self.zone)
            <= _utc(instant)
            <= _instant(local.date(), self.closes, self.zone)
        )


def _instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of the local ``wall`` time on ``day`` (a time in a DST gap moves past it;
    an ambiguous one is its first occurrence)."""
    return _utc(resolve_imaginary(datetime.combine(day, wall, tzinfo=zone)))


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("SLA arithmetic needs timezone-aware datetimes")
    return instant.astimezone(UTC)


class EscalationAction(StrEnum):
    """What a breach does to the ticket: raise its priority one step, hand it to the policy's
    escalation team (the assignee is cleared), or nothing."""

    RAISE_PRIORITY = "raise_priority"
    REASSIGN = "reassign"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Escalation:
    """``team`` (a team code) is required for :attr:`EscalationAction.REASSIGN`, refused otherwise."""

    action: EscalationAction = EscalationAction.RAISE_PRIORITY
    team: str | None = None

    def __post_init__(self) -> None:
        if self.action is EscalationAction.REASSIGN and not self.team:
            raise InvalidSlaPolicy("escalation to reassign needs a team", field="escalation.team")
        if self.action is not EscalationAction.REASSIGN and self.team is not None:
            raise InvalidSlaPolicy("only a reassign escalation names a team", field="escalation.team")


@dataclass(frozen=True, slots=True)
class DueTimes:
    first_response: datetime
    resolution: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaPolicy:
    """A tenant's SLA: a target for every priority, optional business hours, and what a breach does.

    Raises :class:`InvalidSlaPolicy` for a priority without a target, or business hours so short
    that the longest target would take more than ten years to elapse.
    """

    targets: Mapping[TicketPriority, SlaTarget] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    business_hours: BusinessHours | None = None
    escalation: Escalation = field(default_factory=Escalation)

    def __post_init__(self) -> None:
        missing = [p.value for p in TicketPriority if p not in self.targets]
        if missing:
            raise InvalidSlaPolicy(f"targets are missing for {', '.join(missing)}", field=f"targets.{missing[0]}")
        if self.business_hours is not None:
            longest = max(t.resolution for t in self.targets.values())
            if longest / self.business_hours.weekly * 7 > _MAX_DAYS - 14:
                raise InvalidSlaPolicy("business hours are too short for the targets", field="business_hours")

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """``start`` plus ``duration``: of business time when the policy has business hours."""
        if self.business_hours is None:
            return _utc(start) + duration
        return self.business_hours.add(start, duration)

    def due_times(self, priority: TicketPriority, start: datetime) -> DueTimes:
        target = self.targets[priority]
        return DueTimes(self.add(start, target.first_response), self.add(start, target.resolution))


DEFAULT_POLICY = SlaPolicy()
"""The policy of a tenant that has not set one: :data:`DEFAULT_TARGETS`, wall-clock, raise priority."""
