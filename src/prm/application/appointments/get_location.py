"""Read one location."""

from prm.application.appointments.ports import ScheduleRepository
from prm.domain.appointments.errors import LocationNotFound
from prm.domain.appointments.ids import LocationId
from prm.domain.appointments.schedule import Location


class GetLocation:
    """Raises ``LocationNotFound`` (404), also for other tenants' ids."""

    def __init__(self, schedules: ScheduleRepository) -> None:
        self._schedules = schedules

    async def __call__(self, location_id: LocationId) -> Location:
        location = await self._schedules.get_location(location_id)
        if location is None:
            raise LocationNotFound(f"location {location_id} not found")
        return location
