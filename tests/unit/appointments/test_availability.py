"""Properties of the availability engine (Hypothesis): slots never overlap each other, bookings
(with the buffer) or time off; they lie inside a session; they keep their local wall-clock times
across daylight-saving changes."""

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from uuid import uuid4
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from prm.domain.appointments.availability import free_slots, sessions
from prm.domain.appointments.ids import LocationId, ScheduleExceptionId, ScheduleId
from prm.domain.appointments.model import Period, TimeSlot
from prm.domain.appointments.schedule import ExceptionKind, Schedule, ScheduleException, Weekday, WeeklyRule
from prm.domain.appointments.slot_ids import decode_slot_id, encode_slot_id
from prm.domain.shared.ids import PractitionerId, TenantId

ZONES = ["Europe/London", "America/New_York", "Australia/Sydney"]
TENANT = TenantId(uuid4())
# Windows around the DST changes of all three zones (March/April and October/November).
DST_DAYS = [date(2026, 3, 25), date(2026, 10, 20), date(2026, 3, 5), date(2026, 10, 30), date(2026, 4, 1)]


@st.composite
def rules(draw: st.DrawFn) -> WeeklyRule:
    days = draw(st.lists(st.sampled_from(list(Weekday)), min_size=1, max_size=7, unique=True))
    start_minutes = draw(st.integers(6 * 60, 15 * 60)) // 5 * 5
    length = draw(st.integers(30, 6 * 60)) // 5 * 5
    end_minutes = min(start_minutes + length, 23 * 60)
    return WeeklyRule(
        tuple(days), time(start_minutes // 60, start_minutes % 60), time(end_minutes // 60, end_minutes % 60)
    )


def schedule(rule_list: list[WeeklyRule], slot_minutes: int, buffer_minutes: int) -> Schedule:
    return Schedule(
        id=ScheduleId(uuid4()),
        tenant_id=TENANT,
        practitioner_id=PractitionerId(uuid4()),
        location_id=LocationId(uuid4()),
        rules=tuple(rule_list),
        slot_minutes=slot_minutes,
        buffer_minutes=buffer_minutes,
        valid_from=date(2020, 1, 1),
        created_at=datetime(2020, 1, 1, tzinfo=UTC),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Schedule, ZoneInfo, Period, list[TimeSlot], list[ScheduleException]]:
    tz = ZoneInfo(draw(st.sampled_from(ZONES)))
    plan = schedule(
        draw(st.lists(rules(), min_size=1, max_size=3)),
        draw(st.sampled_from([10, 15, 20, 30, 45, 60])),
        draw(st.sampled_from([0, 5, 10, 15])),
    )
    first = draw(st.sampled_from(DST_DAYS)) + timedelta(days=draw(st.integers(0, 5)))
    window = Period(
        datetime.combine(first, time(), tzinfo=tz).astimezone(UTC),
        datetime.combine(first + timedelta(days=draw(st.integers(1, 14))), time(), tzinfo=tz).astimezone(UTC),
    )
    span_minutes = int((window.ends_at - window.starts_at).total_seconds() // 60)

    def ranges(max_minutes: int) -> st.SearchStrategy[list[TimeSlot]]:
        return st.lists(
            st.builds(
                lambda offset, length: TimeSlot(
                    window.starts_at + timedelta(minutes=offset),
                    window.starts_at + timedelta(minutes=offset + length),
                ),
                st.integers(0, span_minutes),
                st.integers(5, max_minutes),
            ),
            max_size=8,
        )

    busy = draw(ranges(120))
    off = [
        ScheduleException(
            id=ScheduleExceptionId(uuid4()), tenant_id=TENANT, schedule_id=plan.id, kind=ExceptionKind.TIME_OFF, slot=s
        )
        for s in draw(ranges(600))
    ]
    extra = [
        ScheduleException(
            id=ScheduleExceptionId(uuid4()), tenant_id=TENANT, schedule_id=plan.id, kind=ExceptionKind.EXTRA, slot=s
        )
        for s in draw(ranges(240))
    ]
    return plan, tz, window, busy, off + extra


def _inside_a_session(
    slot: TimeSlot, plan: Schedule, tz: ZoneInfo, window: Period, exceptions: list[ScheduleException]
) -> bool:
    first = (window.starts_at.astimezone(tz) - timedelta(days=1)).date()
    last = (window.ends_at.astimezone(tz) + timedelta(days=1)).date()
    ranges = sessions(plan, tz, first, last) + [
        (e.slot.starts_at, e.slot.ends_at) for e in exceptions if e.kind is ExceptionKind.EXTRA
    ]
    # Sessions may touch or overlap: the slot must be covered by their union.
    covered_until = slot.starts_at
    for start, end in sorted(ranges):
        if start <= covered_until < end:
            covered_until = max(covered_until, end)
    return covered_until >= slot.ends_at


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_slots_are_free_disjoint_inside_sessions_and_in_the_window(
    scenario: tuple[Schedule, ZoneInfo, Period, list[TimeSlot], list[ScheduleException]],
) -> None:
    plan, tz, window, busy, exceptions = scenario
    now = window.starts_at + timedelta(hours=5)
    found = free_slots(plan, tz, window, now=now, busy=busy, exceptions=exceptions)
    buffer = plan.buffer
    for a, b in pairwise(found):
        assert a.ends_at <= b.starts_at  # sorted and never overlapping each other
    for slot in found:
        assert slot.duration == plan.slot_length
        assert slot.starts_at >= max(now, window.starts_at)
        assert slot.ends_at <= window.ends_at
        assert not any(TimeSlot(b.starts_at - buffer, b.ends_at + buffer).overlaps(slot) for b in busy)
        assert not any(e.slot.overlaps(slot) for e in exceptions if e.kind is ExceptionKind.TIME_OFF)
        assert _inside_a_session(slot, plan, tz, window, exceptions)


# Ten days before each 2026 change: London 29 Mar / 25 Oct, New York 8 Mar / 1 Nov, Sydney 5 Apr / 4 Oct.
CHANGES = {
    "Europe/London": [date(2026, 3, 19), date(2026, 10, 15)],
    "America/New_York": [date(2026, 2, 26), date(2026, 10, 22)],
    "Australia/Sydney": [date(2026, 3, 26), date(2026, 9, 24)],
}


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([(zone, day) for zone, days in CHANGES.items() for day in days]),
    st.lists(rules(), min_size=1, max_size=1),  # one rule: touching sessions merge and re-anchor the grid
    st.sampled_from([15, 20, 30]),
    st.sampled_from([0, 10]),
)
def test_slots_keep_their_local_wall_clock_times_across_dst(
    change: tuple[str, date], rule_list: list[WeeklyRule], slot_minutes: int, buffer_minutes: int
) -> None:
    """Without bookings, every slot starts at a rule's local start plus whole steps, on both
    sides of the change: 09:00 stays 09:00 local, its UTC time moves by an hour."""
    zone_name, first = change
    tz = ZoneInfo(zone_name)
    plan = schedule(rule_list, slot_minutes, buffer_minutes)
    window = Period(
        datetime.combine(first, time(), tzinfo=tz).astimezone(UTC),
        datetime.combine(first + timedelta(days=21), time(), tzinfo=tz).astimezone(UTC),
    )
    found = free_slots(plan, tz, window, now=window.starts_at)
    assert found
    step = slot_minutes + buffer_minutes
    for slot in found:
        local = slot.starts_at.astimezone(tz)
        minutes = local.hour * 60 + local.minute
        assert any(
            Weekday(list(Weekday)[local.weekday()]) in rule.weekdays
            and (minutes - (rule.start.hour * 60 + rule.start.minute)) % step == 0
            and rule.start <= local.time()
            and local.time() < rule.end
            for rule in plan.rules
        ), (local, plan.rules)
    offsets = {slot.starts_at.astimezone(tz).utcoffset() for slot in found}
    assert len(offsets) == 2  # each window spans a daylight-saving change of its zone


def test_a_london_nine_oclock_is_nine_before_and_after_the_clocks_change() -> None:
    tz = ZoneInfo("Europe/London")
    plan = schedule([WeeklyRule((Weekday.FRI, Weekday.MON), time(9), time(9, 30))], 30, 0)
    window = Period(datetime(2026, 3, 27, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC))
    found = free_slots(plan, tz, window, now=window.starts_at)
    assert [s.starts_at for s in found] == [datetime(2026, 3, 27, 9, tzinfo=UTC), datetime(2026, 3, 30, 8, tzinfo=UTC)]


def test_a_slot_after_a_booking_keeps_the_buffer() -> None:
    tz = ZoneInfo("America/New_York")
    plan = schedule([WeeklyRule((Weekday.MON,), time(9), time(11))], 30, 10)
    day = datetime(2026, 6, 1, tzinfo=tz)
    booked = TimeSlot(day.replace(hour=9, minute=10), day.replace(hour=9, minute=35))
    found = free_slots(plan, tz, Period(day, day + timedelta(days=1)), now=day, busy=[booked])
    assert [s.starts_at.astimezone(tz).strftime("%H:%M") for s in found] == ["09:45", "10:25"]


@given(st.integers(0, 40_000_000), st.integers(5, 480), st.booleans())
def test_slot_ids_round_trip_and_name_their_practitioner(minutes: int, length: int, with_location: bool) -> None:
    start = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    slot = TimeSlot(start, start + timedelta(minutes=length))
    practitioner, location = uuid4(), uuid4() if with_location else None
    decoded = decode_slot_id(encode_slot_id(TENANT, practitioner, location, slot))
    assert decoded.slot == slot
    assert decoded.issued_for(TENANT, practitioner, location)
    assert not decoded.issued_for(TENANT, uuid4(), location)
