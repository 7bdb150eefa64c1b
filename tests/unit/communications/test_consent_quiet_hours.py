"""Quiet hours: ``next_allowed`` for any instant, zone and window, and DST written out."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prm.domain.communications.quiet_hours import (
    DEFAULT_QUIET_HOURS,
    InvalidQuietHours,
    QuietHours,
    is_quiet,
    next_allowed,
    time_zone,
)

ZONES = [
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "UTC",
    "America/Sao_Paulo",
    "Pacific/Chatham",
]
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")

minutes = st.builds(time, st.integers(0, 23), st.integers(0, 59))
windows = st.builds(QuietHours, minutes, minutes)
instants = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2060, 1, 1), timezones=st.just(UTC))


@settings(max_examples=400, deadline=None)
@given(at=instants, zone=st.sampled_from(ZONES).map(ZoneInfo), window=windows)
def test_next_allowed_is_the_first_instant_outside_quiet_hours(
    at: datetime, zone: ZoneInfo, window: QuietHours
) -> None:
    allowed = next_allowed(at, zone, window)
    assert allowed.tzinfo is not None
    assert allowed >= at
    assert not is_quiet(allowed, zone, window)
    if not is_quiet(at, zone, window):
        assert allowed == at
    else:  # nothing earlier: the second before it is still quiet
        assert is_quiet(max(at, allowed - timedelta(seconds=1)), zone, window)
        assert allowed - at <= timedelta(days=1, hours=2)


@given(at=instants, zone=st.sampled_from(ZONES).map(ZoneInfo), hour=st.integers(0, 23))
def test_an_empty_window_is_never_quiet(at: datetime, zone: ZoneInfo, hour: int) -> None:
    assert next_allowed(at, zone, QuietHours(time(hour), time(hour))) == at


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "window", "at", "expected"),
    [
        # the default window, a summer evening in London (BST, UTC+1): 08:00 BST next morning
        ("Europe/London", DEFAULT_QUIET_HOURS, utc(2025, 6, 1, 21, 30), utc(2025, 6, 2, 7, 0)),
        # outside the window: at once
        ("Europe/London", DEFAULT_QUIET_HOURS, utc(2025, 6, 1, 12, 0), utc(2025, 6, 1, 12, 0)),
        # Kolkata (UTC+5:30, no DST): 21:30 IST -> 08:00 IST
        ("Asia/Kolkata", DEFAULT_QUIET_HOURS, utc(2025, 1, 1, 16, 0), utc(2025, 1, 2, 2, 30)),
        # a window that does not wrap: 13:00-14:00 New York (EST)
        ("America/New_York", QuietHours(time(13), time(14)), utc(2025, 1, 6, 18, 10), utc(2025, 1, 6, 19, 0)),
        # New York springs forward on 2025-03-09 at 02:00 EST -> 03:00 EDT (07:00 UTC): an end at
        # 02:30 never comes, quiet hours end at the transition (03:00 EDT)
        ("America/New_York", QuietHours(time(21), time(2, 30)), utc(2025, 3, 9, 6, 0), utc(2025, 3, 9, 7, 0)),
        # London falls back on 2025-10-26 at 02:00 BST -> 01:00 GMT (01:00 UTC): 01:30 happens
        # twice, quiet hours end at the first (01:30 BST = 00:30 UTC)
        ("Europe/London", QuietHours(time(21), time(1, 30)), utc(2025, 10, 26, 0, 0), utc(2025, 10, 26, 0, 30)),
        # ... and a window starting at 01:30 ends when the clock goes back to 01:00 GMT
        ("Europe/London", QuietHours(time(1, 30), time(8)), utc(2025, 10, 26, 0, 45), utc(2025, 10, 26, 1, 0)),
        # the default 08:00 end on the day New York falls back (2025-11-02): 08:00 EST = 13:00 UTC
        ("America/New_York", DEFAULT_QUIET_HOURS, utc(2025, 11, 2, 2, 0), utc(2025, 11, 2, 13, 0)),
        # Lord Howe moves 30 minutes, 02:00 +10:30 -> 02:30 +11 on 2025-10-05 (15:30 UTC the day
        # before): an end at 02:15 is skipped
        ("Australia/Lord_Howe", QuietHours(time(23), time(2, 15)), utc(2025, 10, 4, 15, 0), utc(2025, 10, 4, 15, 30)),
    ],
)
def test_dst_and_zones_written_out(zone: str, window: QuietHours, at: datetime, expected: datetime) -> None:
    assert next_allowed(at, ZoneInfo(zone), window) == expected


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_allowed(datetime(2025, 1, 1, 23), LONDON, DEFAULT_QUIET_HOURS)


@pytest.mark.parametrize(
    ("start", "end", "field"), [("25:00", "08:00", "quiet_hours_start"), ("21:00", "8", "quiet_hours_end")]
)
def test_bad_windows_name_the_field(start: str, end: str, field: str) -> None:
    with pytest.raises(InvalidQuietHours) as raised:
        QuietHours.parse(start, end)
    assert raised.value.field == field


def test_windows_and_zones_parse() -> None:
    assert QuietHours.parse("21:00", "08:00") == DEFAULT_QUIET_HOURS
    assert QuietHours.parse("10:00", "10:00").empty
    assert time_zone("Asia/Kolkata") == ZoneInfo("Asia/Kolkata")
    with pytest.raises(InvalidQuietHours) as raised:
        time_zone("Mars/Olympus_Mons")
    assert raised.value.field == "time_zone"
    with pytest.raises(InvalidQuietHours):
        time_zone("../etc/passwd")


def test_a_deployment_without_prm_quiet_hours_keeps_quiet_from_21_to_8(monkeypatch: pytest.MonkeyPatch) -> None:
    from prm.settings import Settings

    monkeypatch.delenv("PRM_QUIET_HOURS", raising=False)
    assert Settings().quiet_hours == "21:00-08:00"
    monkeypatch.setenv("PRM_QUIET_HOURS", "22:00-07:00")
    assert Settings().quiet_hours == "22:00-07:00"


def test_the_deployment_default_window_is_parsed_once_and_bad_values_name_the_variable() -> None:
    from prm.ioc.communications_consent import default_settings
    from prm.settings import SettingsError

    assert default_settings("22:00-07:30").quiet_hours == QuietHours(time(22), time(7, 30))
    assert default_settings(" 00:00 - 00:00 ").quiet_hours.empty
    assert default_settings("22:00-07:30") is default_settings("22:00-07:30")
    for bad in ("", "21:00", "21:00-8", "night"):
        with pytest.raises(SettingsError, match="PRM_QUIET_HOURS"):
            default_settings(bad)
