"""Publish a practitioner's weekly availability at a location."""

from dataclasses import dataclass
from datetime import date

import structlog

from prm.application.appointments.ports import PractitionerDirectory, ScheduleRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.appointments.errors import LocationNotFound, PractitionerNotFound
from prm.domain.appointments.ids import LocationId, ScheduleId
from prm.domain.appointments.schedule import Schedule, WeeklyRule
from prm.domain.shared.ids import PractitionerId, new_id

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateScheduleCommand:
    """Rules in the location's local wall-clock time; ``valid_from`` defaults to today (UTC date)."""

    practitioner_id: PractitionerId
    location_id: LocationId
    rules: tuple[WeeklyRule, ...]
    slot_minutes: int = 30
    buffer_minutes: int = 0
    valid_from: date | None = None
    valid_until: date | None = None


class CreateSchedule:
    """Raises ``PractitionerNotFound`` / ``LocationNotFound`` (404), ``InvalidSchedule`` (422)."""

    def __init__(
        self,
        schedules: ScheduleRepository,
        practitioners: PractitionerDirectory,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._schedules = schedules
        self._practitioners = practitioners
        self._audit = audit
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, command: CreateScheduleCommand) -> Schedule:
        if await self._practitioners.get(command.practitioner_id) is None:
            raise PractitionerNotFound(f"practitioner {command.practitioner_id} not found")
        if await self._schedules.get_location(command.location_id) is None:
            raise LocationNotFound(f"location {command.location_id} not found")
        now = self._clock.now()
        schedule = Schedule(
            id=ScheduleId(new_id()),
            tenant_id=self._context.tenant_id,
            practitioner_id=command.practitioner_id,
            location_id=command.location_id,
            rules=command.rules,
            slot_minutes=command.slot_minutes,
            buffer_minutes=command.buffer_minutes,
            valid_from=command.valid_from or now.date(),
            valid_until=command.valid_until,
            created_at=now,
        )
        await self._schedules.add_schedule(schedule)
        await self._audit.record(AuditAction.CREATE, "schedule", [schedule.id])
        await self._uow.commit()
        log.info("schedule.created", schedule_id=str(schedule.id))
        return schedule
