"""Schedules, by practitioner and location."""

from collections.abc import Sequence

from prm.application.appointments.ports import ScheduleRepository
from prm.domain.appointments.ids import LocationId
from prm.domain.appointments.schedule import Schedule
from prm.domain.shared.ids import PractitionerId


class ListSchedules:
    """The schedules of a practitioner (all when ``None``), at a location when given."""

    def __init__(self, schedules: ScheduleRepository) -> None:
        self._schedules = schedules

    async def __call__(
        self, practitioner_id: PractitionerId | None = None, location_id: LocationId | None = None
    ) -> Sequence[Schedule]:
        return await self._schedules.schedules([practitioner_id] if practitioner_id else None, location_id)
