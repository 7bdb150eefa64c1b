"""The appointments context's periodic use cases as jobs (``prm.ioc.jobs.PERIODIC`` runs them per tenant)."""

from collections.abc import Mapping
from typing import Any

from prm.application.appointments.expire_holds import ExpireHolds
from prm.application.appointments.expire_offers import ExpireOffers
from prm.application.shared.jobs import JobHandler


class ExpireOffersJob(JobHandler):
    """``appointments.expire_offers``: :class:`ExpireOffers` (no arguments)."""

    def __init__(self, expire: ExpireOffers) -> None:
        self._expire = expire

    async def __call__(self, args: Mapping[str, Any]) -> None:
        await self._expire()


class ExpireHoldsJob(JobHandler):
    """``appointments.expire_holds``: :class:`ExpireHolds` (no arguments)."""

    def __init__(self, expire: ExpireHolds) -> None:
        self._expire = expire

    async def __call__(self, args: Mapping[str, Any]) -> None:
        await self._expire()
