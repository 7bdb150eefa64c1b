"""Offering a freed slot to the waitlist (shared by cancel, decline and expiry; not a use case)."""

from datetime import datetime

import structlog

from prm.application.appointments.policy import SchedulingPolicy
from prm.application.appointments.ports import (
    HoldRepository,
    PractitionerDirectory,
    ScheduleRepository,
    WaitlistRepository,
)
from prm.application.shared.ports import Outbox
from prm.domain.appointments.ids import HoldId, LocationId
from prm.domain.appointments.model import TimeSlot
from prm.domain.appointments.schedule import zone
from prm.domain.appointments.waitlist import Hold, HoldKind, best_entry
from prm.domain.shared.ids import PractitionerId, TenantId, new_id

log = structlog.get_logger(__name__)


class WaitlistOffers:
    """Hold a freed slot for the best matching waiting entry for ``offer_for`` (see
    ``domain.appointments.waitlist``), recording ``WaitlistOfferMade``. Does not commit."""

    def __init__(
        self,
        waitlist: WaitlistRepository,
        holds: HoldRepository,
        schedules: ScheduleRepository,
        practitioners: PractitionerDirectory,
        outbox: Outbox,
        tenant_id: TenantId,
        policy: SchedulingPolicy,
    ) -> None:
        self._waitlist = waitlist
        self._holds = holds
        self._schedules = schedules
        self._practitioners = practitioners
        self._outbox = outbox
        self._tenant_id = tenant_id
        self._offer_for = policy.offer_for

    async def offer(
        self, practitioner_id: PractitionerId, location_id: LocationId | None, slot: TimeSlot, now: datetime
    ) -> Hold | None:
        if slot.starts_at <= now:
            return None
        practitioner = await self._practitioners.get(practitioner_id)
        speciality = practitioner.speciality_key if practitioner else None
        location = await self._schedules.get_location(location_id) if location_id else None
        local_start = slot.starts_at.astimezone(zone(location.time_zone)) if location else slot.starts_at
        entries = list(await self._waitlist.waiting_for(practitioner_id, speciality))
        excluded = await self._holds.entries_offered(practitioner_id, slot)
        entry = best_entry(
            entries,
            practitioner_id=practitioner_id,
            speciality=speciality,
            location_id=location_id,
            local_start=local_start,
            excluded=excluded,
        )
        if entry is None:
            return None
        hold = Hold(
            id=HoldId(new_id()),
            tenant_id=self._tenant_id,
            kind=HoldKind.OFFER,
            patient_id=entry.patient_id,
            practitioner_id=practitioner_id,
            location_id=location_id,
            slot=slot,
            expires_at=min(now + self._offer_for, slot.starts_at),
            waitlist_entry_id=entry.id,
            created_at=now,
        )
        version = entry.version
        entry.offer(hold, now)
        await self._holds.add_many([hold])
        await self._waitlist.save(entry, expected_version=version)
        await self._outbox.add(entry.events)
        log.info("waitlist.offer_made", offer_id=str(hold.id), entry_id=str(entry.id))
        return hold
