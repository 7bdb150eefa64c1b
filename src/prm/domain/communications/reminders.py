"""Appointment reminders and notices: when they are due, how they are keyed, and how their times
read to a patient.

A booking gets a confirmation at once and reminders at offsets before the start (default 72 h and
24 h: :data:`DEFAULT_REMINDER_OFFSETS`, the NHS's "remind people a few days and a day before").
A reminder whose time has passed is not sent, nor one due less than
:data:`GAP_AFTER_CONFIRMATION` after the confirmation (two messages within the hour read as one
too many). Times are UTC instants; the send policy defers one that falls inside quiet hours (in
the patient's local time).

Keys (``MessageRequest.dedup_key``) depend only on the appointment, the offset and the start, so a
redelivered event asks for the same messages and gets the ones already queued.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from uuid import UUID
from zoneinfo import ZoneInfo

DEFAULT_REMINDER_OFFSETS: tuple[timedelta, ...] = (timedelta(hours=72), timedelta(hours=24))
"""Reminders before the start, until a per-tenant setting replaces them."""
GAP_AFTER_CONFIRMATION = timedelta(hours=1)
REPLY_CONFIRM = "C"
"""The keyword a reminder asks for to confirm (the inbox also takes ``YES``, ``1``)."""
REPLY_CANCEL = "X"
"""The keyword a reminder asks for to cancel (the inbox also takes ``NO``, ``2``)."""

VIRTUAL_APPOINTMENT_TYPES = frozenset({"virtual", "video", "telehealth", "telemedicine", "online", "remote"})
"""``appointment_type`` values (case-folded) that mean a video visit (FHIR ``serviceType`` has no
code for it; clinics write these)."""

_TICK = timedelta(microseconds=1)  # "less than an hour after" skips; exactly an hour is kept
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True, slots=True)
class Reminder:
    """One reminder to queue: ``offset`` before the start, due at ``due_at`` (UTC)."""

    offset: timedelta
    due_at: datetime

    @property
    def offset_hours(self) -> int:
        return int(self.offset.total_seconds() // 3600)


def reminders_due(
    starts_at: datetime,
    *,
    now: datetime,
    offsets: tuple[timedelta, ...] = DEFAULT_REMINDER_OFFSETS,
    confirmation_at: datetime | None = None,
) -> list[Reminder]:
    """The reminders of an appointment starting at ``starts_at``, earliest first: one per offset,
    except those due at or before ``now`` and those due less than :data:`GAP_AFTER_CONFIRMATION`
    after ``confirmation_at`` (the confirmation notice sent with them, if any). Raises
    ``ValueError`` for naive times or an offset that is not positive."""
    if starts_at.tzinfo is None or now.tzinfo is None:
        raise ValueError("reminder times must be timezone-aware")
    earliest = now if confirmation_at is None else max(now, confirmation_at + GAP_AFTER_CONFIRMATION - _TICK)
    reminders = []
    for offset in sorted(set(offsets), reverse=True):
        if offset <= timedelta(0):
            raise ValueError("reminder offsets must be positive")
        due_at = (starts_at - offset).astimezone(UTC)
        if due_at > earliest:
            reminders.append(Reminder(offset, due_at))
    return reminders


def utc_text(instant: datetime) -> str:
    """``2026-12-08T14:30:00Z``: the instant in UTC to the second, as keys carry it."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def reminder_key(appointment_id: UUID, reminder: Reminder, starts_at: datetime, occasion: UUID | None = None) -> str:
    """``reminder:<appointment id>:<offset hours>h:<start, UTC>``, then ``:<occasion>`` when given.

    ``occasion`` is the event that asked for the messages (a reschedule): an appointment moved
    away and back to the same start gets its reminders again, while the same event handled
    twice still queues them once."""
    key = f"reminder:{appointment_id}:{reminder.offset_hours}h:{utc_text(starts_at)}"
    return f"{key}:{occasion}" if occasion is not None else key


def notice_key(kind: str, appointment_id: UUID, starts_at: datetime, occasion: UUID | None = None) -> str:
    """``<kind>:<appointment id>:<start, UTC>`` for ``confirmation``, ``rescheduled``,
    ``cancellation``, then ``:<occasion>`` when given (see :func:`reminder_key`)."""
    key = f"{kind}:{appointment_id}:{utc_text(starts_at)}"
    return f"{key}:{occasion}" if occasion is not None else key


def local_date_text(instant: datetime, zone: ZoneInfo) -> str:
    """The day in ``zone``, plainly: ``Tuesday 8 December`` (English names, whatever the
    process locale)."""
    local = instant.astimezone(zone)
    return f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]}"


def local_time_text(instant: datetime, zone: ZoneInfo) -> str:
    """The wall-clock time in ``zone``, 24-hour: ``14:30``."""
    return instant.astimezone(zone).strftime("%H:%M")


def is_virtual(appointment_type: str | None) -> bool:
    return appointment_type is not None and appointment_type.strip().casefold() in VIRTUAL_APPOINTMENT_TYPES


class ReplyOutcome(StrEnum):
    """What a patient's reply to a reminder did to the appointment, for the inbox's answer."""

    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    ALREADY_DONE = "already_done"
    """Confirmed or cancelled before: nothing changed."""
    TOO_LATE = "too_late"
    """The appointment has started, ended or can no longer change: call the clinic."""
    NOT_FOUND = "not_found"
    """No such appointment of this patient in the tenant."""
