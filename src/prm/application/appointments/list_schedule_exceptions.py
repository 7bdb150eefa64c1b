"""The exceptions (time off, extra sessions) of one schedule."""

from collections.abc import Sequence

from prm.application.appointments.ports import ScheduleRepository
from prm.domain.appointments.errors import ScheduleNotFound
from prm.domain.appointments.ids import ScheduleId
from prm.domain.appointments.schedule import ScheduleException


class ListScheduleExceptions:
    """All exceptions of schedule ``schedule_id``, by start (UTC). Raises ``ScheduleNotFound``
    (404) for a schedule the tenant does not have."""

    def __init__(self, schedules: ScheduleRepository) -> None:
        self._schedules = schedules

    async def __call__(self, schedule_id: ScheduleId) -> Sequence[ScheduleException]:
        if await self._schedules.get_schedule(schedule_id) is None:
            raise ScheduleNotFound(f"schedule {schedule_id} not found")
        return await self._schedules.exceptions([schedule_id])
