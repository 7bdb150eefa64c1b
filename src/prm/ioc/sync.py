"""Wiring: offline sync (issue 14), and the lookup of patients by mobile.

Every unit of work's :class:`Outbox` is decorated with :class:`FeedingOutbox`, so that a patient
or appointment event raised anywhere also writes the sync change feed, in its transaction.
"""

from collections.abc import Mapping

from dishka import Provider, Scope, alias, decorate, provide, provide_all

from prm.adapters.sql.sync import SqlChangeFeed, SqlSyncLedger
from prm.adapters.sync.feed_outbox import FeedingOutbox
from prm.adapters.sync.records import SyncRecordsFromContexts
from prm.adapters.sync.unit import SqlSyncUnit
from prm.application.patients.find_patients_by_mobile import FindPatientsByMobile
from prm.application.shared.jobs import JobHandler
from prm.application.shared.ports import Clock, Outbox
from prm.application.sync.apply_change import ApplySyncChange
from prm.application.sync.compact_feed import CompactChangeFeed, CompactChangeFeedJob
from prm.application.sync.download_changes import DownloadChanges
from prm.application.sync.ports import ChangeFeed, SyncLedger, SyncRecords, SyncUnit
from prm.ioc.periodic import Periodic


class SyncProvider(Provider):
    scope = Scope.REQUEST
    feed = provide(SqlChangeFeed)
    feed_port = alias(source=SqlChangeFeed, provides=ChangeFeed)
    ledger = provide(SqlSyncLedger, provides=SyncLedger)
    unit = provide(SqlSyncUnit, provides=SyncUnit)
    records = provide(SyncRecordsFromContexts, provides=SyncRecords)
    use_cases = provide_all(
        ApplySyncChange, DownloadChanges, FindPatientsByMobile, CompactChangeFeed, CompactChangeFeedJob
    )

    @decorate
    def feeding_outbox(self, outbox: Outbox, feed: SqlChangeFeed, clock: Clock) -> Outbox:
        return FeedingOutbox(outbox, feed, clock)


COMPACT_FEED_TASK = "sync.compact_feed"

JOBS: Mapping[str, type[JobHandler]] = {COMPACT_FEED_TASK: CompactChangeFeedJob}
PERIODIC: tuple[Periodic, ...] = (Periodic(COMPACT_FEED_TASK, 3600),)
