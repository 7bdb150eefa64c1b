"""The next appointments (reference API ``GET /appointments/upcoming``)."""

from collections.abc import Sequence
from dataclasses import replace

from prm.application.appointments.ports import AppointmentCriteria, AppointmentFinder
from prm.application.shared.ports import Clock
from prm.domain.appointments.model import ACTIVE_STATUSES, Appointment
from prm.domain.shared.errors import RuleViolated

MAX_LIMIT = 50


class UpcomingAppointments:
    """Active appointments starting from now, soonest first, at most ``limit`` (1 to 50)."""

    def __init__(self, finder: AppointmentFinder, clock: Clock) -> None:
        self._finder = finder
        self._clock = clock

    async def __call__(self, criteria: AppointmentCriteria, limit: int = 10) -> Sequence[Appointment]:
        if not 1 <= limit <= MAX_LIMIT:
            raise RuleViolated(f"limit must be 1 to {MAX_LIMIT}", field="limit")
        return await self._finder.first(
            replace(criteria, statuses=criteria.statuses or ACTIVE_STATUSES, starts_from=self._clock.now()), limit
        )
