"""Today's appointments (reference API ``GET /appointments/today``)."""

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from prm.application.appointments.ports import AppointmentCriteria, AppointmentFinder
from prm.application.shared.ports import Clock
from prm.domain.appointments.model import Appointment

MAX_TODAY = 1000


class TodaysAppointments:
    """Appointments starting today in ``time_zone`` (the location's, else UTC), by start; at most 1000."""

    def __init__(self, finder: AppointmentFinder, clock: Clock) -> None:
        self._finder = finder
        self._clock = clock

    async def __call__(self, criteria: AppointmentCriteria, time_zone: ZoneInfo) -> Sequence[Appointment]:
        today = self._clock.now().astimezone(time_zone).date()
        start = datetime.combine(today, time(), tzinfo=time_zone)
        end = datetime.combine(today + timedelta(days=1), time(), tzinfo=time_zone)
        return await self._finder.first(replace(criteria, starts_from=start, starts_before=end), MAX_TODAY)
