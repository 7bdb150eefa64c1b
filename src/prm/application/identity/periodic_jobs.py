"""The identity context's periodic use cases as jobs (``prm.ioc.jobs.PERIODIC`` runs them per tenant)."""

from collections.abc import Mapping
from typing import Any

from prm.application.identity.purge_refresh_tokens import PurgeRefreshTokens
from prm.application.shared.jobs import JobHandler


class PurgeRefreshTokensJob(JobHandler):
    """``identity.purge_refresh_tokens``: :class:`PurgeRefreshTokens` (no arguments)."""

    def __init__(self, purge: PurgeRefreshTokens) -> None:
        self._purge = purge

    async def __call__(self, args: Mapping[str, Any]) -> None:
        await self._purge()
