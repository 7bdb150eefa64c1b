"""The offline-sync change feed's writes on PostgreSQL: the tenant's feed lock is taken only in the
message with ``COMMIT`` (never held while the unit goes on working, so two writers cannot
deadlock on it), each record is written once per unit, and a savepoint that rolls back drops
what was recorded inside it. (Numbering under concurrency is ``test_sync_api``'s.)"""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
import sqlalchemy as sa

from prm.adapters.sql.postgres import PostgresDatabase
from prm.adapters.sql.sync import SqlChangeFeed
from prm.adapters.sql.sync_tables import sync_changes
from prm.adapters.sql.unit_of_work import SqlUnitOfWork
from prm.domain.shared.ids import TenantId
from prm.domain.sync.model import SyncEntity

pytestmark = pytest.mark.postgresql_only

AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
async def database(_postgres_url: str) -> AsyncIterator[PostgresDatabase]:
    db = PostgresDatabase(_postgres_url, pool_size=3)
    try:
        yield db
    finally:
        await db.close()


def _lock_key(tenant: TenantId) -> sa.ColumnElement[int]:
    return sa.func.hashtextextended(sa.literal(f"prm.sync_changes:{tenant}"), 0)


async def _feed_rows(database: PostgresDatabase, tenant: TenantId) -> list[tuple[int, str, object, datetime]]:
    async with database.connect(tenant) as connection:
        statement = (
            sa.select(sync_changes.c.seq, sync_changes.c.entity, sync_changes.c.entity_id, sync_changes.c.changed_at)
            .where(sync_changes.c.tenant_id == tenant)
            .order_by(sync_changes.c.seq)
        )
        return [tuple(row) for row in (await connection.execute(statement)).all()]


async def test_the_feed_lock_is_not_held_while_the_unit_works(database: PostgresDatabase) -> None:
    tenant = TenantId(uuid4())
    patient = uuid4()
    async with database.connect(tenant) as first, database.connect(tenant) as second:
        uow = SqlUnitOfWork(first)
        feed = SqlChangeFeed(first, uow, tenant)
        feed.record([(SyncEntity.PATIENT, patient)], AT)
        await first.execute(sa.select(sa.literal(1)))  # the unit goes on working, its transaction open
        free = (await second.execute(sa.select(sa.func.pg_try_advisory_xact_lock(_lock_key(tenant))))).scalar_one()
        assert free is True  # another writer of the tenant's feed is not kept waiting
        await second.rollback()  # and lets go of it again
        await uow.commit()
    assert await _feed_rows(database, tenant) == [(1, "patient", patient, AT)]


async def test_a_record_changed_twice_in_a_unit_is_fed_once_at_its_last_change(database: PostgresDatabase) -> None:
    tenant = TenantId(uuid4())
    patient, appointment = uuid4(), uuid4()
    async with database.connect(tenant) as connection:
        uow = SqlUnitOfWork(connection)
        feed = SqlChangeFeed(connection, uow, tenant)
        feed.record([(SyncEntity.PATIENT, patient)], AT)
        feed.record([(SyncEntity.APPOINTMENT, appointment)], AT + timedelta(seconds=1))
        feed.record([(SyncEntity.PATIENT, patient)], AT + timedelta(seconds=2))
        await uow.commit()
    assert await _feed_rows(database, tenant) == [
        (1, "appointment", appointment, AT + timedelta(seconds=1)),
        (2, "patient", patient, AT + timedelta(seconds=2)),
    ]


async def test_what_a_rolled_back_savepoint_recorded_is_not_fed(database: PostgresDatabase) -> None:
    tenant = TenantId(uuid4())
    kept, undone = uuid4(), uuid4()
    async with database.connect(tenant) as connection:
        uow = SqlUnitOfWork(connection)
        feed = SqlChangeFeed(connection, uow, tenant)
        feed.record([(SyncEntity.PATIENT, kept)], AT)

        async def failing_entry() -> None:
            async with uow.savepoint():
                feed.record([(SyncEntity.PATIENT, undone)], AT)
                raise RuntimeError("the entry fails")

        with pytest.raises(RuntimeError):
            await failing_entry()
        await uow.commit()
    assert await _feed_rows(database, tenant) == [(1, "patient", kept, AT)]
