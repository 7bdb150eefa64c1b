"""Expire lapsed slot holds and forget ended ones (run periodically, every few minutes)."""

from datetime import timedelta

import structlog

from prm.application.appointments.ports import HoldRepository
from prm.application.shared.ports import Clock, UnitOfWork

log = structlog.get_logger(__name__)

KEEP_ENDED = timedelta(days=30)
"""How long a hold that ended (used, released, declined, expired) is kept, for support questions."""


class ExpireHolds:
    """Marks the tenant's active booking holds past their ``expires_at`` expired, and deletes holds
    that ended more than :data:`KEEP_ENDED` ago (by ``expires_at``); returns ``(expired, purged)``.
    Lapsed waitlist offers are :class:`~prm.application.appointments.expire_offers.ExpireOffers`'
    (they pass the slot on)."""

    def __init__(self, holds: HoldRepository, uow: UnitOfWork, clock: Clock) -> None:
        self._holds = holds
        self._uow = uow
        self._clock = clock

    async def __call__(self) -> tuple[int, int]:
        now = self._clock.now()
        expired = await self._holds.expire_lapsed_bookings(now)
        purged = await self._holds.purge_ended(now - KEEP_ENDED)
        await self._uow.commit()
        if expired or purged:
            log.info("holds.expired", expired=expired, purged=purged)
        return expired, purged
