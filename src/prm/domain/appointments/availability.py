"""The availability engine: free slots of one schedule over a window. Pure; no I/O.

Sessions come from the weekly rules (dateutil ``rrule``, one occurrence per local day) turned to
UTC with the location's zone, so that a 09:00 start is 09:00 local before and after a
daylight-saving change; extra sessions are added; overlapping sessions are merged. Within each
session slots of ``duration`` are laid from the session's start every ``duration + buffer``; a
slot may not overlap time off, nor come within ``buffer`` of a busy range (an appointment or a
hold). After a blocked stretch the next slot starts where the block ends. Slots start at or
after ``now`` and lie inside the window.

A local start that does not exist (the spring-forward gap) is read with ``fold=0``, which
zoneinfo maps past the gap (02:30 becomes 03:30 local).
"""

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import WEEKLY, rrule, weekday

from prm.domain.appointments.model import TimeSlot
from prm.domain.appointments.schedule import ExceptionKind, Schedule, ScheduleException

_DAY = timedelta(days=1)


def sessions(schedule: Schedule, tz: ZoneInfo, first: date, last: date) -> list[tuple[datetime, datetime]]:
    """The rule sessions on local dates ``first`` … ``last`` (inclusive, clipped to the schedule's
    validity), as UTC ``(start, end)`` pairs, unsorted."""
    first = max(first, schedule.valid_from)
    if schedule.valid_until is not None:
        last = min(last, schedule.valid_until)
    if last < first:
        return []
    found: list[tuple[datetime, datetime]] = []
    for rule in schedule.rules:
        days = rrule(
            WEEKLY,
            byweekday=[weekday(d.number) for d in rule.weekdays],
            dtstart=datetime.combine(first, rule.start),
            until=datetime.combine(last, rule.start),
        )
        for local_start in days:
            start = local_start.replace(tzinfo=tz).astimezone(UTC)
            end = datetime.combine(local_start.date(), rule.end, tzinfo=tz).astimezone(UTC)
            if end > start:
                found.append((start, end))
    return found


def _merged(ranges: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def free_slots(
    schedule: Schedule,
    tz: ZoneInfo,
    window: TimeSlot,
    *,
    now: datetime,
    duration: timedelta | None = None,
    busy: Sequence[TimeSlot] = (),
    exceptions: Sequence[ScheduleException] = (),
    limit: int | None = None,
) -> list[TimeSlot]:
    """Free slots of ``schedule`` (zone ``tz``) inside ``window``, ordered by start.

    ``duration`` defaults to the schedule's slot length; ``busy`` are the practitioner's active
    appointments and holds (any order); ``exceptions`` the schedule's time off and extra sessions.
    At most ``limit`` slots when given.
    """
    length = duration or schedule.slot_length
    buffer = schedule.buffer
    step = length + buffer
    first = (window.starts_at.astimezone(tz) - _DAY).date()
    last = (window.ends_at.astimezone(tz) + _DAY).date()
    ranges = sessions(schedule, tz, first, last)
    ranges.extend(
        (e.slot.starts_at, e.slot.ends_at)
        for e in exceptions
        if e.kind is ExceptionKind.EXTRA and e.slot.overlaps(window)
    )
    blocks = _merged(
        [(b.starts_at - buffer, b.ends_at + buffer) for b in busy]
        + [(e.slot.starts_at, e.slot.ends_at) for e in exceptions if e.kind is ExceptionKind.TIME_OFF]
    )
    block_starts = [b[0] for b in blocks]
    earliest = max(now, window.starts_at)
    found: list[TimeSlot] = []
    for start, end in _merged(ranges):
        if end <= earliest or start >= window.ends_at:
            continue
        end = min(end, window.ends_at)
        t = start
        while t + length <= end:
            if t < earliest:
                t += step * max(1, -(-(earliest - t) // step))  # jump to the first grid point >= earliest
                continue
            i = bisect_right(block_starts, t + length - timedelta.resolution) - 1
            # blocks are disjoint and sorted: only the last one starting before the slot ends can overlap
            if i >= 0 and blocks[i][1] > t:
                t = blocks[i][1]
                continue
            found.append(TimeSlot(t, t + length))
            if limit is not None and len(found) >= limit:
                return found
            t += step
    return found
