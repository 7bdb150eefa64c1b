"""Time off or an extra session on a schedule."""

from dataclasses import dataclass

import structlog

from prm.application.appointments.ports import ScheduleRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import UnitOfWork
from prm.domain.appointments.errors import ScheduleNotFound
from prm.domain.appointments.ids import ScheduleExceptionId, ScheduleId
from prm.domain.appointments.model import TimeSlot
from prm.domain.appointments.schedule import ExceptionKind, ScheduleException
from prm.domain.shared.ids import new_id

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class AddScheduleExceptionCommand:
    schedule_id: ScheduleId
    kind: ExceptionKind
    slot: TimeSlot
    reason: str | None = None


class AddScheduleException:
    """Existing appointments are left as they are (cancel them explicitly). Raises ``ScheduleNotFound``."""

    def __init__(
        self, schedules: ScheduleRepository, audit: AuditTrail, uow: UnitOfWork, context: RequestContext
    ) -> None:
        self._schedules = schedules
        self._audit = audit
        self._uow = uow
        self._context = context

    async def __call__(self, command: AddScheduleExceptionCommand) -> ScheduleException:
        if await self._schedules.get_schedule(command.schedule_id) is None:
            raise ScheduleNotFound(f"schedule {command.schedule_id} not found")
        exception = ScheduleException(
            id=ScheduleExceptionId(new_id()),
            tenant_id=self._context.tenant_id,
            schedule_id=command.schedule_id,
            kind=command.kind,
            slot=command.slot,
            reason=command.reason,
        )
        await self._schedules.add_exception(exception)
        await self._audit.record(AuditAction.CREATE, "schedule_exception", [exception.id])
        await self._uow.commit()
        log.info("schedule.exception_added", schedule_id=str(command.schedule_id))
        return exception
