"""When reminders fall due, how they are keyed, and how their times read (across a DST change)."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prm.domain.communications.reminders import (
    Reminder,
    is_virtual,
    local_date_text,
    local_time_text,
    notice_key,
    reminder_key,
    reminders_due,
)

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 10, 20, 8, 0, tzinfo=UTC)


def test_the_default_reminders_are_72_and_24_hours_before_the_start() -> None:
    starts_at = datetime(2026, 10, 27, 14, 30, tzinfo=UTC)
    assert reminders_due(starts_at, now=NOW) == [
        Reminder(timedelta(hours=72), datetime(2026, 10, 24, 14, 30, tzinfo=UTC)),
        Reminder(timedelta(hours=24), datetime(2026, 10, 26, 14, 30, tzinfo=UTC)),
    ]


def test_reminders_already_due_are_skipped() -> None:
    starts_at = NOW + timedelta(hours=30)
    assert [r.offset_hours for r in reminders_due(starts_at, now=NOW)] == [24]
    assert reminders_due(NOW + timedelta(hours=24), now=NOW) == []


def test_a_reminder_less_than_an_hour_after_the_confirmation_is_skipped() -> None:
    assert reminders_due(NOW + timedelta(hours=24, minutes=59), now=NOW, confirmation_at=NOW) == []
    kept = reminders_due(NOW + timedelta(hours=25), now=NOW, confirmation_at=NOW)
    assert [r.due_at for r in kept] == [NOW + timedelta(hours=1)]  # exactly an hour after is kept
    assert len(reminders_due(NOW + timedelta(hours=24, minutes=30), now=NOW)) == 1  # no confirmation: no gap


def test_reminders_refuse_naive_times_and_offsets_that_are_not_positive() -> None:
    with pytest.raises(ValueError, match="timezone"):
        reminders_due(datetime(2026, 10, 27, 14, 30), now=NOW)
    with pytest.raises(ValueError, match="positive"):
        reminders_due(NOW + timedelta(days=5), now=NOW, offsets=(timedelta(0),))


@given(
    start_in=st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(days=30)),
    hours=st.lists(st.integers(min_value=1, max_value=24 * 14), min_size=1, max_size=5),
)
def test_every_reminder_is_ahead_exactly_its_offset_before_the_start_earliest_first(
    start_in: timedelta, hours: list[int]
) -> None:
    starts_at = NOW + start_in
    due = reminders_due(starts_at, now=NOW, offsets=tuple(timedelta(hours=h) for h in hours), confirmation_at=NOW)
    assert all(r.due_at >= NOW + timedelta(hours=1) and r.due_at == starts_at - r.offset for r in due)
    assert [r.due_at for r in due] == sorted({r.due_at for r in due})
    assert {r.offset_hours for r in due} == {
        h for h in hours if starts_at - timedelta(hours=h) >= NOW + timedelta(hours=1)
    }


def test_keys_name_the_appointment_the_offset_and_the_start_in_utc() -> None:
    appointment_id = uuid4()
    starts_at = datetime(2026, 10, 27, 15, 30, tzinfo=ZoneInfo("Europe/Paris"))  # 14:30 UTC
    reminder = reminders_due(starts_at, now=NOW)[1]
    assert reminder_key(appointment_id, reminder, starts_at) == f"reminder:{appointment_id}:24h:2026-10-27T14:30:00Z"
    assert (
        notice_key("confirmation", appointment_id, starts_at) == f"confirmation:{appointment_id}:2026-10-27T14:30:00Z"
    )


def test_local_times_read_plainly_on_both_sides_of_the_end_of_british_summer_time() -> None:
    # Clocks go back at 02:00 BST on Sunday 25 October 2026.
    before = datetime(2026, 10, 24, 13, 30, tzinfo=UTC)
    after = datetime(2026, 10, 27, 14, 30, tzinfo=UTC)
    assert (local_date_text(before, LONDON), local_time_text(before, LONDON)) == ("Saturday 24 October", "14:30")
    assert (local_date_text(after, LONDON), local_time_text(after, LONDON)) == ("Tuesday 27 October", "14:30")
    late = datetime(2026, 12, 7, 23, 30, tzinfo=UTC)
    assert local_date_text(late, ZoneInfo("Asia/Tokyo")) == "Tuesday 8 December"


def test_virtual_visits_are_known_by_their_appointment_type() -> None:
    assert is_virtual(" Video ")
    assert is_virtual("telehealth")
    assert not is_virtual("consultation")
    assert not is_virtual(None)
