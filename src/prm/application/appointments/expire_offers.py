"""Pass lapsed waitlist offers on to the next waiting patient (run periodically, e.g. every minute)."""

import structlog

from prm.application.appointments.ports import HoldRepository, WaitlistRepository
from prm.application.appointments.waitlist_offers import WaitlistOffers
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.appointments.waitlist import HoldStatus

log = structlog.get_logger(__name__)
BATCH = 100


class ExpireOffers:
    """Marks up to 100 lapsed offers expired, puts their entries back to waiting and offers each
    slot to the next match; returns how many offers expired."""

    def __init__(
        self, holds: HoldRepository, waitlist: WaitlistRepository, offers: WaitlistOffers, uow: UnitOfWork, clock: Clock
    ) -> None:
        self._holds = holds
        self._waitlist = waitlist
        self._offers = offers
        self._uow = uow
        self._clock = clock

    async def __call__(self) -> int:
        now = self._clock.now()
        lapsed = await self._holds.expired_offers(now, BATCH)
        for offer in lapsed:
            offer.end(HoldStatus.EXPIRED)
            await self._holds.save(offer)
            entry = await self._waitlist.get(offer.waitlist_entry_id) if offer.waitlist_entry_id else None
            if entry is not None:
                version = entry.version
                entry.back_to_waiting(now)
                await self._waitlist.save(entry, expected_version=version)
            await self._offers.offer(offer.practitioner_id, offer.location_id, offer.slot, now)
        await self._uow.commit()
        if lapsed:
            log.info("waitlist.offers_expired", count=len(lapsed))
        return len(lapsed)
