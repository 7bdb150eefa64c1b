"""Take a patient off the waitlist."""

from prm.application.appointments.ports import HoldRepository, WaitlistRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.appointments.errors import WaitlistEntryNotFound
from prm.domain.appointments.ids import WaitlistEntryId
from prm.domain.appointments.waitlist import WaitlistEntry


class CancelWaitlistEntry:
    """Raises ``WaitlistEntryNotFound`` (404), ``InvalidTransition`` (409: booked or cancelled already)."""

    def __init__(
        self, waitlist: WaitlistRepository, holds: HoldRepository, audit: AuditTrail, uow: UnitOfWork, clock: Clock
    ) -> None:
        self._waitlist = waitlist
        self._holds = holds
        self._audit = audit
        self._uow = uow
        self._clock = clock

    async def __call__(self, entry_id: WaitlistEntryId) -> WaitlistEntry:
        entry = await self._waitlist.get(entry_id)
        if entry is None:
            raise WaitlistEntryNotFound(f"waitlist entry {entry_id} not found")
        version = entry.version
        entry.cancel(self._clock.now())
        await self._waitlist.save(entry, expected_version=version)
        await self._audit.record(AuditAction.UPDATE, "waitlist_entry", [entry.id], changed_fields=["status"])
        await self._uow.commit()
        return entry
