"""The tenant's locations."""

from collections.abc import Sequence

from prm.application.appointments.ports import ScheduleRepository
from prm.domain.appointments.schedule import Location


class ListLocations:
    """All locations of the tenant, by name."""

    def __init__(self, schedules: ScheduleRepository) -> None:
        self._schedules = schedules

    async def __call__(self) -> Sequence[Location]:
        return await self._schedules.locations()
