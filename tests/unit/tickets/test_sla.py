"""SLA arithmetic: wall-clock and business hours, across a weekend and DST changes."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from prm.domain.tickets.codes import TicketPriority
from prm.domain.tickets.errors import InvalidSlaPolicy
from prm.domain.tickets.sla import (
    DEFAULT_POLICY,
    BusinessHours,
    Escalation,
    EscalationAction,
    SlaPolicy,
    SlaTarget,
)

LONDON = ZoneInfo("Europe/London")
OFFICE = BusinessHours(time_zone="Europe/London", weekdays=frozenset(range(5)), opens=time(9), closes=time(17))


def london(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def test_default_targets_are_wall_clock() -> None:
    start = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)  # a Friday
    due = DEFAULT_POLICY.due_times(TicketPriority.URGENT, start)
    assert (due.first_response, due.resolution) == (start + timedelta(hours=1), start + timedelta(hours=4))
    low = DEFAULT_POLICY.due_times(TicketPriority.LOW, start)
    assert low.resolution == start + timedelta(hours=168)


def test_business_hours_skip_the_weekend() -> None:
    friday_4pm = london(2026, 3, 6, 16, 0)
    assert OFFICE.add(friday_4pm, timedelta(hours=4)) == london(2026, 3, 9, 12, 0).astimezone(UTC)  # Monday noon
    saturday = london(2026, 3, 7, 10, 0)
    assert OFFICE.add(saturday, timedelta(hours=1)) == london(2026, 3, 9, 10, 0).astimezone(UTC)
    assert OFFICE.add(london(2026, 3, 9, 8, 0), timedelta(hours=8)) == london(2026, 3, 9, 17, 0).astimezone(UTC)


def test_business_hours_across_the_spring_and_autumn_dst_changes() -> None:
    # London goes from GMT to BST on Sunday 29 March 2026: Friday 9:00 GMT + 16 h of business time
    # is Monday 17:00 BST, i.e. 16:00 UTC (not 17:00 UTC).
    assert OFFICE.add(london(2026, 3, 27, 9, 0), timedelta(hours=16)) == datetime(2026, 3, 30, 16, 0, tzinfo=UTC)
    # and back on Sunday 25 October 2026: Friday 16:00 BST + 2 h is Monday 10:00 GMT.
    assert OFFICE.add(london(2026, 10, 23, 16, 0), timedelta(hours=2)) == datetime(2026, 10, 26, 10, 0, tzinfo=UTC)


def test_hours_inside_a_dst_change_count_the_time_that_really_passes() -> None:
    night = BusinessHours(time_zone="Europe/London", weekdays=frozenset({6}), opens=time(0, 30), closes=time(2, 30))
    # 29 March 2026: 01:00 GMT jumps to 02:00 BST, so the window 00:30-02:30 lasts one hour only.
    sunday = datetime(2026, 3, 29, 0, 0, tzinfo=UTC)
    assert night.between(sunday, sunday + timedelta(days=1)) == timedelta(hours=1)
    assert night.add(sunday, timedelta(hours=1)) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_a_policy_with_business_hours_counts_them() -> None:
    policy = SlaPolicy(business_hours=OFFICE)
    due = policy.due_times(TicketPriority.HIGH, london(2026, 3, 6, 16, 0))  # 4 h / 24 h
    assert due.first_response == london(2026, 3, 9, 12, 0).astimezone(UTC)
    assert due.resolution == london(2026, 3, 11, 16, 0).astimezone(UTC)  # 1 h Fri, 8 h Mon and Tue, 7 h Wed


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: SlaTarget(timedelta(0), timedelta(hours=1)), "first_response"),
        (lambda: SlaTarget(timedelta(hours=2), timedelta(hours=1)), "first_response"),
        (lambda: SlaTarget(timedelta(hours=1), timedelta(days=91)), "resolution"),
        (
            lambda: BusinessHours(time_zone="Mars/Olympus", weekdays=frozenset({0}), opens=time(9), closes=time(17)),
            "business_hours.time_zone",
        ),
        (
            lambda: BusinessHours(time_zone="UTC", weekdays=frozenset(), opens=time(9), closes=time(17)),
            "business_hours.weekdays",
        ),
        (
            lambda: BusinessHours(time_zone="UTC", weekdays=frozenset({0}), opens=time(17), closes=time(9)),
            "business_hours.closes",
        ),
        (lambda: Escalation(EscalationAction.REASSIGN), "escalation.team"),
        (lambda: SlaPolicy(targets={TicketPriority.LOW: SlaTarget(timedelta(1), timedelta(1))}), "targets.medium"),
        (
            lambda: SlaPolicy(
                business_hours=BusinessHours(time_zone="UTC", weekdays=frozenset({0}), opens=time(9), closes=time(9, 1))
            ),
            "business_hours",
        ),
    ],
)
def test_bad_policies_are_refused_naming_the_field(build: object, field: str) -> None:
    with pytest.raises(InvalidSlaPolicy) as raised:
        build()  # type: ignore[operator]
    assert raised.value.field == field


ZONES = st.sampled_from(["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"])
WALL = st.integers(min_value=0, max_value=23 * 4).map(lambda q: time(q // 4, (q % 4) * 15))


@st.composite
def business_hours(draw: st.DrawFn) -> BusinessHours:
    opens = draw(WALL)
    closes = draw(WALL.filter(lambda t: t > opens))
    weekdays = draw(st.frozensets(st.integers(min_value=0, max_value=6), min_size=1))
    return BusinessHours(time_zone=draw(ZONES), weekdays=weekdays, opens=opens, closes=closes)


STARTS = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC)
)
DURATIONS = st.integers(min_value=1, max_value=200 * 60).map(lambda m: timedelta(minutes=m))


@settings(max_examples=200, deadline=None)
@given(hours=business_hours(), start=STARTS, duration=DURATIONS)
def test_a_due_time_is_never_before_the_start_and_lies_inside_business_hours(
    hours: BusinessHours, start: datetime, duration: timedelta
) -> None:
    # Only what a policy accepts: SlaPolicy refuses targets that need more than _MAX_DAYS - 14
    # days of walking (15 minutes a week cannot hold 5 days of business time within ten years).
    assume(duration / hours.weekly * 7 <= 3_700 - 14)
    due = hours.add(start, duration)
    assert due > start
    assert hours.is_open(due)
    assert hours.between(start, due) == duration  # exactly that much business time passed


@settings(max_examples=100, deadline=None)
@given(start=STARTS, duration=DURATIONS)
def test_without_business_hours_the_due_time_is_wall_clock(start: datetime, duration: timedelta) -> None:
    assert SlaPolicy().add(start, duration) == start + duration
