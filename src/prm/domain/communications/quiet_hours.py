"""Quiet hours: the local hours of the night when a clinic sends nothing but urgent messages.

A :class:`QuietHours` window is two local wall-clock times, ``start`` (inclusive) and ``end``
(exclusive), read in the patient's IANA time zone (:mod:`zoneinfo`). ``21:00 -> 08:00`` (the
default) wraps past midnight; ``13:00 -> 14:00`` does not; ``start == end`` is an empty window
(never quiet). Only the category ``urgent`` passes quiet hours (:data:`PASSES_QUIET_HOURS`).

:func:`next_allowed` answers the first instant at or after a UTC instant whose local wall time is
outside the window, across DST transitions: when the local ``end`` does not exist that day (a
spring-forward gap: ``02:30`` in ``America/New_York`` on the second Sunday of March) the window
ends at the transition; when it exists twice (a fall-back fold) it ends at its first occurrence
(PEP 495 ``fold=0``); when wall time falls back into the window afterwards, that is quiet again.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from prm.domain.shared.errors import RuleViolated

PASSES_QUIET_HOURS = frozenset({"urgent"})
"""Template categories sent during quiet hours (they still need consent)."""


class InvalidQuietHours(RuleViolated):
    """A quiet-hours window or time zone that cannot be read (HTTP 422 naming the field)."""

    code = "communications.invalid_quiet_hours"


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A local window ``[start, end)``; wraps past midnight when ``start > end``; empty when equal.
    Both are naive wall-clock times to the minute."""

    start: time
    end: time

    def __post_init__(self) -> None:
        for name, value in (("quiet_hours_start", self.start), ("quiet_hours_end", self.end)):
            if value.tzinfo is not None or value.second or value.microsecond:
                raise InvalidQuietHours(f"{name} must be a local time to the minute (HH:MM)", field=name)

    @classmethod
    def parse(cls, start: str, end: str) -> "QuietHours":
        """From ``"HH:MM"`` strings (24-hour). Raises :class:`InvalidQuietHours` naming the field."""
        return cls(_parse_time(start, "quiet_hours_start"), _parse_time(end, "quiet_hours_end"))

    @property
    def empty(self) -> bool:
        return self.start == self.end

    def contains(self, local: time) -> bool:
        """Whether the wall-clock time ``local`` is quiet."""
        local = local.replace(tzinfo=None, fold=0)
        if self.start < self.end:
            return self.start <= local < self.end
        if self.start > self.end:
            return local >= self.start or local < self.end
        return False


DEFAULT_QUIET_HOURS = QuietHours(time(21, 0), time(8, 0))


def _parse_time(value: str, field: str) -> time:
    try:
        hours, minutes = value.split(":")
        if len(hours) != 2 or len(minutes) != 2:
            raise ValueError(value)
        return time(int(hours), int(minutes))
    except ValueError:
        raise InvalidQuietHours(f"{field} must be a time HH:MM (00:00 to 23:59)", field=field) from None


def time_zone(name: str, *, field: str = "time_zone") -> ZoneInfo:
    """The IANA zone ``name`` (``Europe/London``). Raises :class:`InvalidQuietHours` naming ``field``."""
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        raise InvalidQuietHours(f"{field} must be an IANA time zone name (Europe/London)", field=field) from None


def is_quiet(at: datetime, zone: tzinfo, window: QuietHours) -> bool:
    """Whether the instant ``at`` (aware) falls in ``window`` in ``zone``."""
    return window.contains(at.astimezone(zone).time())


def next_allowed(at_utc: datetime, zone: tzinfo, window: QuietHours) -> datetime:
    """``at_utc`` when it is outside quiet hours in ``zone``, else the first instant after it that
    is (in UTC). ``at_utc`` must be aware.

    Quiet hours only stop where the local wall time reaches ``end`` (either occurrence, in a fold)
    or jumps at a DST transition, so the answer is the earliest of those instants (within the next
    few days) that is not quiet.
    """
    if at_utc.tzinfo is None:
        raise ValueError("at_utc must be timezone-aware")
    at_utc = at_utc.astimezone(UTC)
    if window.empty or not is_quiet(at_utc, zone, window):
        return at_utc
    local_day = at_utc.astimezone(zone).date()
    candidates: set[datetime] = set()
    for offset in range(-1, 4):
        day = datetime.combine(local_day + timedelta(days=offset), window.end, tzinfo=zone)
        candidates.add(day.astimezone(UTC))
        candidates.add(day.replace(fold=1).astimezone(UTC))
    candidates.update(_transitions(at_utc, at_utc + _HORIZON, zone))
    for candidate in sorted(candidates):
        if candidate > at_utc and not is_quiet(candidate, zone, window):
            return candidate
    raise AssertionError("quiet hours without an end")  # pragma: no cover: an end comes within a day


_HORIZON = timedelta(days=3)
_STEP = timedelta(hours=6)  # offsets of the zones in use change months apart, never twice in 6 h


def _transitions(since: datetime, until: datetime, zone: tzinfo) -> list[datetime]:
    """The instants in ``(since, until]`` where the UTC offset of ``zone`` changes, to the second."""
    found: list[datetime] = []
    low = since.replace(microsecond=0)  # transitions fall on whole seconds
    offset = since.astimezone(zone).utcoffset()
    while low < until:
        high = min(low + _STEP, until)
        next_offset = high.astimezone(zone).utcoffset()
        if next_offset != offset:
            found.append(_first_with_offset(low, high, zone))
            offset = next_offset
        low = high
    return found


def _first_with_offset(low: datetime, high: datetime, zone: tzinfo) -> datetime:
    """The first second in ``(low, high]`` whose UTC offset in ``zone`` is the one of ``high``."""
    target = high.astimezone(zone).utcoffset()
    lo, hi = 1, int((high - low).total_seconds())
    while lo < hi:
        middle = (lo + hi) // 2
        if (low + timedelta(seconds=middle)).astimezone(zone).utcoffset() == target:
            hi = middle
        else:
            lo = middle + 1
    return low + timedelta(seconds=lo)
