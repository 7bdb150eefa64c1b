"""Ranges of local dates: "these days at the clinic", as availability, find-slots, calendar export,
statistics and list filters take them.

Every date lies in :data:`~prm.domain.appointments.model.SCHEDULING_DATES` (years 1900 to 2200).
Searches for free slots span at most :data:`MAX_SEARCH_DAYS` days (each day is computed from the
weekly rules, and availability answers every slot); a calendar export at most
:data:`MAX_EXPORT_DAYS` (one year, leap day included). Lists and statistics are not limited.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from prm.domain.appointments.errors import InvalidDateRange
from prm.domain.appointments.model import SCHEDULING_DATES, Period

MAX_SEARCH_DAYS = 62
MAX_EXPORT_DAYS = 366
_WIDEST_OFFSET = timedelta(hours=14)  # UTC+14:00 (Kiribati) and UTC-12:00 lie within it


@dataclass(frozen=True, slots=True)
class LocalDateRange:
    """Local dates ``first`` … ``last`` (inclusive) in some time zone.

    Build it with :meth:`of`, which fills in defaults and names the wire fields in its errors.
    """

    first: date
    last: date

    def __post_init__(self) -> None:
        SCHEDULING_DATES.check_date(self.first, "start_date")
        SCHEDULING_DATES.check_date(self.last, "end_date")
        if self.last < self.first:
            raise InvalidDateRange("end_date must not be before start_date", field="end_date")

    @classmethod
    def of(
        cls,
        start: date | None,
        end: date | None,
        *,
        default_start: date | None = None,
        default_days: int | None = None,
        longest: int | None = None,
        names: tuple[str, str] = ("start_date", "end_date"),
    ) -> "LocalDateRange":
        """From ``start`` (default ``default_start``, else the earliest date) to ``end`` (default
        ``default_days`` days from the first date, else the latest date), at most ``longest`` days.

        Raises ``DateOutOfRange`` (a date outside the years 1900 to 2200) or
        :class:`InvalidDateRange` (the end before the start, a range too long), naming the fields
        ``names`` (the wire's: ``("start_date", "end_date")``, ``("date", "date")`` …).
        """
        start_name, end_name = names
        if start is not None:
            SCHEDULING_DATES.check_date(start, start_name)
        if end is not None:
            SCHEDULING_DATES.check_date(end, end_name)
        first = start or default_start or SCHEDULING_DATES.earliest
        first = max(first, SCHEDULING_DATES.earliest)
        if end is not None:
            last = end
        elif default_days is not None:
            last = min(first + timedelta(days=default_days - 1), SCHEDULING_DATES.latest)
        else:
            last = SCHEDULING_DATES.latest
        if last < first:
            shown = "" if start is not None else f" (when {start_name} is not given, it is {first})"
            raise InvalidDateRange(f"{end_name} must not be before {start_name}{shown}", field=end_name)
        days = (last - first).days + 1
        if longest is not None and days > longest:
            raise InvalidDateRange(
                f"ask for at most {longest} days from {start_name} to {end_name} (here {days})", field=end_name
            )
        return cls(first, last)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last

    def window(self, tz: tzinfo | None = None) -> Period:
        """The UTC range of these dates: from ``first`` 00:00 to the midnight ending ``last``, in
        ``tz``; without a zone, wide enough for these dates in any zone on Earth (a search over
        several locations filters its slots by their own local date afterwards)."""
        if tz is not None:
            start = datetime.combine(self.first, time(), tzinfo=tz)
            end = datetime.combine(self.last + timedelta(days=1), time(), tzinfo=tz)
        else:
            start = datetime.combine(self.first, time(), tzinfo=UTC) - _WIDEST_OFFSET
            end = datetime.combine(self.last + timedelta(days=1), time(), tzinfo=UTC) + _WIDEST_OFFSET
        return Period(SCHEDULING_DATES.clamp(start.astimezone(UTC)), SCHEDULING_DATES.clamp(end.astimezone(UTC)))
