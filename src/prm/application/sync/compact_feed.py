"""Keep the offline-sync change feed to about one entry per record (run periodically)."""

from collections.abc import Mapping
from typing import Any

import structlog

from prm.application.shared.jobs import JobHandler
from prm.application.shared.ports import UnitOfWork
from prm.application.sync.ports import ChangeFeed

log = structlog.get_logger(__name__)

BATCH = 10_000
"""Superseded entries deleted per transaction."""


class CompactChangeFeed:
    """Delete the tenant's feed entries that a later entry of the same record supersedes, in
    transactions of at most :data:`BATCH`; returns how many went. A patient edited a thousand
    times then keeps one entry, and a device that syncs next sees it once, in its current state,
    at the position of its latest change (cursors taken before stay valid: positions only go)."""

    def __init__(self, feed: ChangeFeed, uow: UnitOfWork) -> None:
        self._feed = feed
        self._uow = uow

    async def __call__(self) -> int:
        total = 0
        while True:
            removed = await self._feed.compact(BATCH)
            await self._uow.commit()
            total += removed
            if removed < BATCH:
                break
        if total:
            log.info("sync.feed_compacted", entries=total)
        return total


class CompactChangeFeedJob(JobHandler):
    """``sync.compact_feed``: :class:`CompactChangeFeed` (no arguments)."""

    def __init__(self, compact: CompactChangeFeed) -> None:
        self._compact = compact

    async def __call__(self, args: Mapping[str, Any]) -> None:
        await self._compact()
