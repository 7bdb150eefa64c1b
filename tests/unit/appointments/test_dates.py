"""Dates at the edges of the calendar: scheduling accepts the years 1900 to 2200 (``SCHEDULING_DATES``)
and refuses anything else with a 422 naming the field, never an ``OverflowError``."""

import itertools
from datetime import UTC, date, datetime, time, timedelta, timezone
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prm.domain.appointments.dates import MAX_EXPORT_DAYS, MAX_SEARCH_DAYS, LocalDateRange
from prm.domain.appointments.errors import InvalidDateRange, InvalidSchedule, InvalidTimeSlot
from prm.domain.appointments.ids import LocationId, ScheduleId, WaitlistEntryId
from prm.domain.appointments.model import SCHEDULING_DATES, Period, TimeSlot
from prm.domain.appointments.schedule import Schedule, Weekday, WeeklyRule
from prm.domain.appointments.slot_ids import decode_slot_id, encode_slot_id
from prm.domain.appointments.waitlist import WaitlistEntry
from prm.domain.shared.dates import DateBounds, DateOutOfRange
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.ids import PatientId, PractitionerId, TenantId

KIRITIMATI = timezone(timedelta(hours=14))
BAKER_ISLAND = timezone(timedelta(hours=-12))
EDGE_DATES = [date.min, date.max, date(1899, 12, 31), date(2201, 1, 1)]
EDGE_TIMES = [
    datetime.min.replace(tzinfo=KIRITIMATI),
    datetime.min.replace(tzinfo=UTC),
    datetime.max.replace(tzinfo=UTC),
    datetime.max.replace(tzinfo=BAKER_ISLAND),
    datetime(1900, 1, 1, 13, 59, tzinfo=KIRITIMATI),  # 1899-12-31T23:59Z
    datetime(2200, 12, 31, 12, 1, tzinfo=BAKER_ISLAND),  # 2201-01-01T00:01Z
]
NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


def test_scheduling_accepts_the_years_1900_to_2200() -> None:
    assert (SCHEDULING_DATES.earliest, SCHEDULING_DATES.latest) == (date(1900, 1, 1), date(2200, 12, 31))
    assert SCHEDULING_DATES.first_instant == datetime(1900, 1, 1, tzinfo=UTC)
    assert SCHEDULING_DATES.last_instant == datetime(2201, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("day", EDGE_DATES)
def test_a_date_outside_names_the_field_and_the_range(day: date) -> None:
    with pytest.raises(DateOutOfRange) as refused:
        SCHEDULING_DATES.check_date(day, "start_date")
    assert refused.value.field == "start_date"
    assert refused.value.detail == "start_date must be a date from 1900-01-01 to 2200-12-31"


@pytest.mark.parametrize("instant", EDGE_TIMES)
def test_an_instant_outside_names_the_field_and_the_range_without_overflowing(instant: datetime) -> None:
    for end in (False, True):
        with pytest.raises(DateOutOfRange) as refused:
            SCHEDULING_DATES.check_instant(instant, "start_time", end=end)
        assert refused.value.field == "start_time"
        assert "1900-01-01T00:00:00Z to 2201-01-01T00:00:00Z" in refused.value.detail


@given(st.datetimes(timezones=st.sampled_from([UTC, KIRITIMATI, BAKER_ISLAND, ZoneInfo("Pacific/Kiritimati")])))
def test_any_aware_instant_is_either_accepted_in_utc_or_refused_as_out_of_range(instant: datetime) -> None:
    try:
        utc = SCHEDULING_DATES.check_instant(instant, "start_time")
    except DateOutOfRange:
        return
    assert utc == instant.astimezone(UTC)  # not `== instant`: a time in a gap never equals (PEP 495)
    assert utc.tzinfo is UTC
    assert SCHEDULING_DATES.first_instant <= utc < SCHEDULING_DATES.last_instant


def test_the_bounds_themselves_are_accepted() -> None:
    first, last = SCHEDULING_DATES.first_instant, SCHEDULING_DATES.last_instant
    assert TimeSlot(first, first + timedelta(minutes=30)).starts_at == first
    assert TimeSlot(last - timedelta(minutes=30), last).ends_at == last
    assert Period(datetime(1900, 1, 1, 14, tzinfo=KIRITIMATI), last).starts_at == first


def test_a_naive_instant_is_refused_naming_the_field() -> None:
    with pytest.raises(RuleViolated) as refused:
        SCHEDULING_DATES.check_instant(datetime(2026, 1, 1), "end_time")
    assert refused.value.field == "end_time"


def test_bounds_must_stay_inside_the_calendar() -> None:
    with pytest.raises(ValueError, match="inside the calendar"):
        DateBounds(date.min, date(2000, 1, 1))


# --- time slots name the wire fields ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "field"),
    [
        (datetime.max.replace(tzinfo=BAKER_ISLAND), datetime.max.replace(tzinfo=BAKER_ISLAND), "start_time"),
        (NOW, datetime.max.replace(tzinfo=UTC), "end_time"),
        (datetime.min.replace(tzinfo=KIRITIMATI), NOW, "start_time"),
        (NOW, NOW - timedelta(minutes=1), "end_time"),
        (NOW, NOW + timedelta(hours=25), "end_time"),
        (NOW.replace(tzinfo=None), NOW, "start_time"),
        (NOW, NOW.replace(tzinfo=None) + timedelta(hours=1), "end_time"),
    ],
)
def test_a_bad_time_slot_names_start_time_or_end_time(starts_at: datetime, ends_at: datetime, field: str) -> None:
    with pytest.raises(RuleViolated) as refused:
        TimeSlot(starts_at, ends_at)
    assert refused.value.field == field
    assert field in refused.value.detail
    assert "starts_at" not in refused.value.detail
    assert "ends_at" not in refused.value.detail


# --- local date ranges ---------------------------------------------------------------------------------


def test_a_range_fills_in_its_defaults() -> None:
    today = date(2026, 3, 10)
    assert LocalDateRange.of(None, None, default_start=today, default_days=7) == LocalDateRange(
        today, date(2026, 3, 16)
    )
    assert LocalDateRange.of(date(2026, 4, 1), None, default_start=today, default_days=7).last == date(2026, 4, 7)
    assert LocalDateRange.of(None, date(2026, 3, 12), default_start=today).first == today
    assert LocalDateRange.of(None, None) == LocalDateRange(SCHEDULING_DATES.earliest, SCHEDULING_DATES.latest)


def test_a_default_end_never_passes_the_latest_date() -> None:
    found = LocalDateRange.of(date(2200, 12, 30), None, default_days=14, longest=MAX_SEARCH_DAYS)
    assert found == LocalDateRange(date(2200, 12, 30), date(2200, 12, 31))


@pytest.mark.parametrize("day", EDGE_DATES)
@pytest.mark.parametrize("names", [("start_date", "end_date"), ("date", "date")])
def test_a_range_refuses_dates_outside_naming_the_wire_field(day: date, names: tuple[str, str]) -> None:
    with pytest.raises(DateOutOfRange) as refused:
        LocalDateRange.of(day, None, default_days=7, names=names)
    assert refused.value.field == names[0]
    with pytest.raises(DateOutOfRange) as refused:
        LocalDateRange.of(None, day, default_start=date(2026, 3, 10), names=names)
    assert refused.value.field == names[1]


def test_a_range_that_ends_before_it_starts_is_refused_naming_end_date() -> None:
    with pytest.raises(InvalidDateRange) as refused:
        LocalDateRange.of(date(2026, 3, 10), date(2026, 3, 9))
    assert (refused.value.field, refused.value.detail) == ("end_date", "end_date must not be before start_date")
    with pytest.raises(InvalidDateRange, match=r"when start_date is not given, it is 2026-03-10"):
        LocalDateRange.of(None, date(2026, 3, 9), default_start=date(2026, 3, 10))


def test_a_range_too_long_is_refused_naming_end_date() -> None:
    assert LocalDateRange.of(date(2026, 1, 1), date(2026, 12, 31), longest=MAX_EXPORT_DAYS).days == 365
    assert LocalDateRange.of(date(2028, 1, 1), date(2028, 12, 31), longest=MAX_EXPORT_DAYS).days == 366
    with pytest.raises(InvalidDateRange) as refused:
        LocalDateRange.of(date(1900, 1, 1), date(2200, 12, 31), longest=MAX_SEARCH_DAYS)
    assert refused.value.field == "end_date"
    assert "at most 62 days" in refused.value.detail


@given(
    st.dates(SCHEDULING_DATES.earliest, SCHEDULING_DATES.latest),
    st.integers(0, 400),
    st.sampled_from([None, UTC, KIRITIMATI, BAKER_ISLAND, ZoneInfo("Pacific/Kiritimati"), ZoneInfo("Etc/GMT+12")]),
)
def test_the_window_of_any_range_is_a_valid_period_covering_its_local_days(
    first: date, length: int, tz: ZoneInfo | timezone | None
) -> None:
    last = min(first + timedelta(days=length), SCHEDULING_DATES.latest)
    window = LocalDateRange(first, last).window(tz)
    zones = [tz] if tz is not None else [KIRITIMATI, BAKER_ISLAND]  # no zone: any zone on Earth
    for zone, day, moment in itertools.product(zones, (first, last), (time(), time(23, 59))):
        local = datetime.combine(day, moment, tzinfo=zone)
        if SCHEDULING_DATES.first_instant <= local < SCHEDULING_DATES.last_instant:
            assert window.starts_at <= local < window.ends_at


# --- schedules, waitlist entries, slot ids ------------------------------------------------------------------


def _schedule(valid_from: date, valid_until: date | None = None) -> Schedule:
    return Schedule(
        id=ScheduleId(uuid4()),
        tenant_id=TenantId(uuid4()),
        practitioner_id=PractitionerId(uuid4()),
        location_id=LocationId(uuid4()),
        rules=(WeeklyRule((Weekday.MON,), time(9), time(12)),),
        valid_from=valid_from,
        valid_until=valid_until,
        created_at=NOW,
    )


@pytest.mark.parametrize("day", EDGE_DATES)
def test_a_schedule_is_valid_within_the_years_1900_to_2200(day: date) -> None:
    with pytest.raises(DateOutOfRange) as refused:
        _schedule(day)
    assert refused.value.field == "valid_from"
    with pytest.raises(DateOutOfRange) as refused:
        _schedule(date(2026, 1, 1), day)
    assert refused.value.field == "valid_until"
    assert _schedule(date(1900, 1, 1), date(2200, 12, 31)).valid_until == date(2200, 12, 31)
    with pytest.raises(InvalidSchedule):
        _schedule(date(2026, 1, 2), date(2026, 1, 1))


@pytest.mark.parametrize("day", EDGE_DATES)
def test_a_waitlist_entry_prefers_dates_within_the_years_1900_to_2200(day: date) -> None:
    with pytest.raises(DateOutOfRange) as refused:
        WaitlistEntry(
            id=WaitlistEntryId(uuid4()),
            tenant_id=TenantId(uuid4()),
            patient_id=PatientId(uuid4()),
            practitioner_id=PractitionerId(uuid4()),
            preferred_dates=(date(2026, 3, 12), day),
            created_at=NOW,
            updated_at=NOW,
        )
    assert refused.value.field == "preferred_dates"


def _slot_id(minutes: int, length: int) -> UUID:
    """A well-formed UUIDv8 with the slot id layout (``slot_ids`` module docstring)."""
    payload = (minutes << 90) | (length << 74)
    return UUID(int=((payload >> 74) << 80) | (0x8 << 76) | (((payload >> 62) & 0xFFF) << 64) | (0b10 << 62))


@pytest.mark.parametrize(
    "slot_id",
    [
        _slot_id((1 << 32) - 1, 30),  # the year 10136: past datetime.max
        _slot_id(((datetime(2201, 1, 1, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(minutes=1)), 30),
        _slot_id(29_000_000, (1 << 16) - 1),  # 45 days long
        _slot_id(29_000_000, 0),
        uuid4(),
    ],
)
def test_a_slot_id_that_is_not_a_bookable_slot_is_refused_naming_time_slot_id(slot_id: UUID) -> None:
    with pytest.raises(InvalidTimeSlot) as refused:
        decode_slot_id(slot_id)
    assert refused.value.field == "time_slot_id"


def test_a_slot_id_round_trips() -> None:
    slot = TimeSlot(datetime(2200, 12, 31, 23, 30, tzinfo=UTC), SCHEDULING_DATES.last_instant)
    ids = (TenantId(uuid4()), PractitionerId(uuid4()), uuid4())
    decoded = decode_slot_id(encode_slot_id(*ids, slot))
    assert decoded.slot == slot
    assert decoded.issued_for(*ids)
