"""Bounds on the dates a context accepts, so that adding a day or applying a zone never overflows.

Python's ``date`` runs from 0001-01-01 to 9999-12-31: a day added to the last one, or a UTC-12
zone applied to the first midnight, raises ``OverflowError``. PRM accepts :data:`ACCEPTED_DATES`
(years 1900 to 2200) everywhere: the HTTP edge refuses any date or time outside it in every
parameter and body (``entrypoints/http/input_policy.py``), and contexts check their own inputs
against it or a narrower :class:`DateBounds` (scheduling: ``domain.appointments.model.SCHEDULING_DATES``);
a value outside is a :class:`DateOutOfRange` (HTTP 422) naming the field and stating the range.
"""

import dataclasses
from datetime import UTC, date, datetime, time, timedelta

from prm.domain.shared.errors import RuleViolated

_MARGIN = timedelta(days=2)  # more than any UTC offset: a date this far inside is safe to shift


class DateOutOfRange(RuleViolated):
    """A date or time outside the accepted range (HTTP 422); ``field`` names it."""

    code = "prm.date_out_of_range"


@dataclasses.dataclass(frozen=True, slots=True)
class DateBounds:
    """Dates from ``earliest`` to ``latest`` (inclusive); instants from ``earliest`` 00:00 UTC up to
    the midnight (UTC) that ends ``latest``."""

    earliest: date
    latest: date
    first_instant: datetime = dataclasses.field(init=False, repr=False, compare=False)
    """``earliest`` 00:00 UTC."""
    last_instant: datetime = dataclasses.field(init=False, repr=False, compare=False)
    """The end of ``latest`` (UTC): the following midnight, which a half-open range may reach."""

    def __post_init__(self) -> None:
        if not date.min + _MARGIN <= self.earliest <= self.latest <= date.max - _MARGIN:
            raise ValueError("bounds must be ordered and at least two days inside the calendar")
        object.__setattr__(self, "first_instant", datetime.combine(self.earliest, time(), tzinfo=UTC))
        object.__setattr__(self, "last_instant", datetime.combine(self.latest + timedelta(days=1), time(), tzinfo=UTC))

    def check_date(self, value: date, field: str) -> date:
        """``value``, or :class:`DateOutOfRange` naming ``field``."""
        if not self.earliest <= value <= self.latest:
            raise DateOutOfRange(f"{field} must be a date from {self.earliest} to {self.latest}", field=field)
        return value

    def check_instant(self, value: datetime, field: str, *, end: bool = False) -> datetime:
        """``value`` (timezone-aware) in UTC, or :class:`DateOutOfRange` naming ``field``.

        A start must lie in ``[first_instant, last_instant)``; an ``end`` of a half-open range in
        ``(first_instant, last_instant]``. Safe at the calendar's edges (``9999-12-31T23:59-12:00``).
        """
        if value.utcoffset() is None:
            raise RuleViolated(f"{field} must carry a time zone (a UTC offset)", field=field)
        if self.earliest - _MARGIN <= value.date() <= self.latest + _MARGIN:  # else converting may overflow
            utc = value.astimezone(UTC)
            first, last = self.first_instant, self.last_instant
            if (first < utc <= last) if end else (first <= utc < last):
                return utc
        raise DateOutOfRange(
            f"{field} must be from {self.first_instant:%Y-%m-%dT%H:%M:%SZ} to "
            f"{self.last_instant:%Y-%m-%dT%H:%M:%SZ} (years {self.earliest.year} to {self.latest.year}, UTC)",
            field=field,
        )

    def contains(self, value: date | datetime) -> bool:
        """Whether a date, or an instant (either end of a range), is inside the bounds."""
        if isinstance(value, datetime):
            if value.utcoffset() is None or not self.earliest - _MARGIN <= value.date() <= self.latest + _MARGIN:
                return False
            return self.first_instant <= value.astimezone(UTC) <= self.last_instant
        return self.earliest <= value <= self.latest

    def describe(self) -> str:
        """``"from 1900-01-01 to 2200-12-31"``."""
        return f"from {self.earliest} to {self.latest}"

    def clamp(self, value: datetime) -> datetime:
        """``value`` moved inside ``[first_instant, last_instant]`` (for search windows with margins)."""
        return min(max(value, self.first_instant), self.last_instant)


ACCEPTED_DATES = DateBounds(date(1900, 1, 1), date(2200, 12, 31))
"""The dates and times PRM accepts anywhere: from the oldest living patient's birth to bookings
far ahead, and far enough from the calendar's ends for any day or zone arithmetic."""
