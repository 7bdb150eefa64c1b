"""Create a location (a place with an IANA time zone) for the caller's tenant."""

from dataclasses import dataclass

import structlog

from prm.application.appointments.ports import ScheduleRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.appointments.ids import LocationId
from prm.domain.appointments.schedule import Location
from prm.domain.shared.contact import Address, normalize_phone
from prm.domain.shared.ids import new_id

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateLocationCommand:
    """``time_zone`` is an IANA name (``"Europe/London"``); ``phone`` any format of the tenant's region."""

    name: str
    time_zone: str
    address: Address | None = None
    phone: str | None = None


class CreateLocation:
    """Raises ``InvalidSchedule`` (422) for an unknown zone or a blank name, ``InvalidPhoneNumber``."""

    def __init__(
        self, schedules: ScheduleRepository, audit: AuditTrail, uow: UnitOfWork, clock: Clock, context: RequestContext
    ) -> None:
        self._schedules = schedules
        self._audit = audit
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, command: CreateLocationCommand) -> Location:
        phone = normalize_phone(command.phone, self._context.phone_region, field="phone") if command.phone else None
        location = Location(
            id=LocationId(new_id()),
            tenant_id=self._context.tenant_id,
            name=command.name.strip(),
            time_zone=command.time_zone,
            address=command.address,
            phone=phone,
            created_at=self._clock.now(),
        )
        await self._schedules.add_location(location)
        await self._audit.record(AuditAction.CREATE, "location", [location.id])
        await self._uow.commit()
        log.info("location.created", location_id=str(location.id))
        return location
