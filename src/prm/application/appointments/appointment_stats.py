"""Appointment statistics (reference API ``GET /appointments/stats``)."""

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from prm.application.appointments.ports import AppointmentCriteria, AppointmentFinder
from prm.application.shared.ports import Clock
from prm.domain.appointments.dates import LocalDateRange
from prm.domain.appointments.model import ACTIVE_STATUSES, AppointmentStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class AppointmentStats:
    """Counts over the period; ``no_show_rate`` = noshow / (fulfilled + noshow), ``None`` when both are 0."""

    total: int
    today: int
    upcoming: int
    completed: int
    cancelled: int
    no_show: int
    no_show_rate: float | None
    by_status: dict[str, int]
    by_type: dict[str, int]


class GetAppointmentStats:
    """Counts of appointments starting on the UTC dates ``start_date`` … ``end_date`` (inclusive;
    open-ended when ``None``); ``today`` is the UTC day, ``upcoming`` active ones from now.

    Raises ``DateOutOfRange`` / ``InvalidDateRange`` (422) for the dates.
    """

    def __init__(self, finder: AppointmentFinder, clock: Clock) -> None:
        self._finder = finder
        self._clock = clock

    async def __call__(self, start_date: date | None = None, end_date: date | None = None) -> AppointmentStats:
        now = self._clock.now()
        window = LocalDateRange.of(start_date, end_date).window(UTC)
        start = window.starts_at
        period = AppointmentCriteria(starts_from=start, starts_before=window.ends_at)
        counts = await self._finder.counts(period)
        day = datetime.combine(now.date(), time(), tzinfo=UTC)
        today = await self._finder.counts(replace(period, starts_from=day, starts_before=day + timedelta(days=1)))
        upcoming = await self._finder.counts(replace(period, starts_from=max(now, start), statuses=ACTIVE_STATUSES))
        by_status = dict(counts.by_status)
        fulfilled = by_status.get(AppointmentStatus.FULFILLED, 0)
        no_show = by_status.get(AppointmentStatus.NOSHOW, 0)
        return AppointmentStats(
            total=sum(by_status.values()),
            today=sum(today.by_status.values()),
            upcoming=sum(upcoming.by_status.values()),
            completed=fulfilled,
            cancelled=by_status.get(AppointmentStatus.CANCELLED, 0),
            no_show=no_show,
            no_show_rate=round(no_show / (fulfilled + no_show), 4) if fulfilled + no_show else None,
            by_status=by_status,
            by_type=dict(counts.by_type),
        )
