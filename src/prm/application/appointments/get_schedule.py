"""Read one schedule."""

from prm.application.appointments.ports import ScheduleRepository
from prm.domain.appointments.errors import ScheduleNotFound
from prm.domain.appointments.ids import ScheduleId
from prm.domain.appointments.schedule import Schedule


class GetSchedule:
    """Raises ``ScheduleNotFound`` (404), also for other tenants' ids."""

    def __init__(self, schedules: ScheduleRepository) -> None:
        self._schedules = schedules

    async def __call__(self, schedule_id: ScheduleId) -> Schedule:
        schedule = await self._schedules.get_schedule(schedule_id)
        if schedule is None:
            raise ScheduleNotFound(f"schedule {schedule_id} not found")
        return schedule
