"""Put a patient on the waitlist for a practitioner or a speciality."""

from dataclasses import dataclass
from datetime import date

import structlog

from prm.application.appointments.ports import PatientDirectory, PractitionerDirectory, WaitlistRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.appointments.errors import PatientNotFound, PractitionerNotFound
from prm.domain.appointments.ids import LocationId, WaitlistEntryId
from prm.domain.appointments.model import SCHEDULING_DATES
from prm.domain.appointments.waitlist import PartOfDay, WaitlistEntry
from prm.domain.shared.ids import PatientId, PractitionerId, new_id
from prm.domain.shared.text import fold

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class JoinWaitlistCommand:
    """``preferred_dates`` are local dates (years 1900 to 2200); ``priority`` 1 (most urgent) to 5."""

    patient_id: PatientId
    practitioner_id: PractitionerId | None = None
    speciality: str | None = None
    location_id: LocationId | None = None
    preferred_dates: tuple[date, ...] = ()
    preferred_times: tuple[PartOfDay, ...] = ()
    priority: int = 3
    notes: str | None = None


class JoinWaitlist:
    """Raises ``PatientNotFound`` / ``PractitionerNotFound`` (404), ``InvalidSchedule`` and
    ``DateOutOfRange`` (422, naming ``preferred_dates.<index>``)."""

    def __init__(
        self,
        waitlist: WaitlistRepository,
        patients: PatientDirectory,
        practitioners: PractitionerDirectory,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._waitlist = waitlist
        self._patients = patients
        self._practitioners = practitioners
        self._audit = audit
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, command: JoinWaitlistCommand) -> WaitlistEntry:
        for index, day in enumerate(command.preferred_dates):  # before sorting: the index is the caller's
            SCHEDULING_DATES.check_date(day, f"preferred_dates.{index}")
        if not await self._patients.exists(command.patient_id):
            raise PatientNotFound(f"patient {command.patient_id} not found")
        if command.practitioner_id and await self._practitioners.get(command.practitioner_id) is None:
            raise PractitionerNotFound(f"practitioner {command.practitioner_id} not found")
        now = self._clock.now()
        speciality = command.speciality.strip() if command.speciality and command.speciality.strip() else None
        entry = WaitlistEntry(
            id=WaitlistEntryId(new_id()),
            tenant_id=self._context.tenant_id,
            patient_id=command.patient_id,
            practitioner_id=command.practitioner_id,
            speciality=fold(speciality) if speciality else None,
            location_id=command.location_id,
            preferred_dates=tuple(sorted(set(command.preferred_dates))),
            preferred_times=tuple(dict.fromkeys(command.preferred_times)),
            priority=command.priority,
            notes=command.notes,
            created_at=now,
            updated_at=now,
        )
        await self._waitlist.add(entry)
        await self._audit.record(AuditAction.CREATE, "waitlist_entry", [entry.id])
        await self._uow.commit()
        log.info("waitlist.joined", entry_id=str(entry.id))
        return entry
