"""The change feed and the device-change ledger of offline sync, in SQL (tables in
``sync_tables``; why the feed is commit-ordered is told there)."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError

from prm.adapters.sql.connection import Parameters, SqlConnection
from prm.adapters.sql.sync_tables import sync_changes, sync_device_changes
from prm.adapters.sql.unit_of_work import SqlUnitOfWork
from prm.application.sync.ports import ChangeFeed, SyncLedger
from prm.domain.shared.ids import TenantId, new_id
from prm.domain.sync.errors import ChangeInProgress
from prm.domain.sync.model import AppliedChange, FeedEntry, FeedPosition, SyncEntity, SyncOperation

_C = sync_changes.c
Statement = tuple[sa.Executable, Parameters]
_AT = sa.DateTime(timezone=True)


_LOCK_KEY = "prm.sync_changes:"
"""Prefix of the PostgreSQL advisory lock key of a tenant's feed (hashed with the tenant id)."""


_LOCK = sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(sa.bindparam("b_key", type_=sa.Text), 0)))
"""PostgreSQL: the transaction-scoped lock of one tenant's feed (``b_key``: ``_LOCK_KEY`` + tenant id)."""


def _numbered_rows() -> sa.Executable:
    """PostgreSQL: a unit's rows in one statement (``unnest ... WITH ORDINALITY`` of the arrays
    ``b_ids``, ``b_entities``, ``b_entity_ids``, ``b_changed_at``), numbered after the tenant's
    (``b_tenant_id``) highest ``seq``: an import changes thousands of records in one unit."""
    given = (
        sa.func.unnest(
            sa.cast(sa.bindparam("b_ids", type_=ARRAY(sa.Uuid)), ARRAY(sa.Uuid)),
            sa.cast(sa.bindparam("b_entities", type_=ARRAY(sa.Text)), ARRAY(sa.Text)),
            sa.cast(sa.bindparam("b_entity_ids", type_=ARRAY(sa.Uuid)), ARRAY(sa.Uuid)),
            sa.cast(sa.bindparam("b_changed_at", type_=ARRAY(_AT)), ARRAY(_AT)),
        )
        .table_valued("id", "entity", "entity_id", "changed_at", with_ordinality="ord")
        .render_derived()
    )
    tenant = sa.bindparam("b_tenant_id", type_=sa.Uuid)
    highest = sa.select(sa.func.coalesce(sa.func.max(_C.seq), 0)).where(_C.tenant_id == tenant)
    rows = sa.select(
        sa.cast(tenant, sa.Uuid),
        highest.scalar_subquery() + given.c.ord,
        given.c.id,
        given.c.entity,
        given.c.entity_id,
        given.c.changed_at,
    )
    return sa.insert(sync_changes).from_select(["tenant_id", "seq", "id", "entity", "entity_id", "changed_at"], rows)


_NUMBERED_ROWS = _numbered_rows()
"""Built once (the feed is written by every unit that changes a patient or an appointment)."""


class SqlChangeFeed(ChangeFeed):
    """The tenant's rows of ``sync_changes``: :meth:`record` adds to the unit of work's
    transaction, :meth:`after` reads committed ones in feed order."""

    def __init__(self, connection: SqlConnection, uow: SqlUnitOfWork, tenant_id: TenantId) -> None:
        self._connection = connection
        self._uow = uow
        self._tenant_id = tenant_id

    def record(self, changed: Sequence[tuple[SyncEntity, UUID]], at: datetime) -> None:
        """Add one feed row per ``(entity, id)`` changed at ``at`` by the current transaction,
        numbered after the tenant's last committed one. The rows are written at commit, after the
        unit's other writes (:meth:`SqlUnitOfWork.collect`), each record once per unit; a
        savepoint that rolls back drops what was recorded inside it."""
        self._uow.collect(self._statements, [(entity, entity_id, at) for entity, entity_id in changed])

    def _statements(self, recorded: Sequence[tuple[SyncEntity, UUID, datetime]]) -> list[Statement]:
        """The unit's feed rows: each record once, at the time it was last recorded."""
        last: dict[tuple[SyncEntity, UUID], datetime] = {}
        for entity, entity_id, at in recorded:
            last.pop((entity, entity_id), None)
            last[(entity, entity_id)] = at
        if self._connection.dialect.name == "postgresql":
            # Writers of one tenant's feed take turns from here to their commit, so that each
            # numbers its rows after every row committed before it (read by the next statement,
            # with a snapshot taken once the lock is held). The lock is taken in the message with
            # COMMIT, after every other write of the unit: it is never held while the unit waits
            # on a row lock, so two writers cannot deadlock on it. SQLite needs nothing: one writer
            # at a time holds the whole database until it commits.
            numbered = {
                "b_tenant_id": self._tenant_id,
                "b_ids": [new_id() for _ in last],
                "b_entities": [entity.value for entity, _ in last],
                "b_entity_ids": [entity_id for _, entity_id in last],
                "b_changed_at": list(last.values()),
            }
            return [(_LOCK, {"b_key": _LOCK_KEY + str(self._tenant_id)}), (_NUMBERED_ROWS, numbered)]
        following = sa.select(sa.func.coalesce(sa.func.max(_C.seq), 0) + 1).where(_C.tenant_id == self._tenant_id)
        statement = sa.insert(sync_changes).values(seq=following.scalar_subquery())
        rows = [
            {
                "tenant_id": self._tenant_id,
                "id": new_id(),
                "entity": entity.value,
                "entity_id": entity_id,
                "changed_at": at,
            }
            for (entity, entity_id), at in last.items()
        ]
        return [(statement, rows)]

    async def compact(self, limit: int) -> int:
        later = sync_changes.alias("later")
        superseded = (
            sa.select(_C.seq, _C.id)
            .where(
                _C.tenant_id == self._tenant_id,
                sa.exists().where(
                    later.c.tenant_id == _C.tenant_id,
                    later.c.entity == _C.entity,
                    later.c.entity_id == _C.entity_id,
                    later.c.seq > _C.seq,
                ),
            )
            .order_by(_C.seq)
            .limit(limit)
        )
        keys = (await self._connection.execute(superseded)).all()
        if not keys:
            return 0
        statement = sa.delete(sync_changes).where(
            _C.tenant_id == self._tenant_id,
            _C.seq == sa.bindparam("b_seq"),
            _C.id == sa.bindparam("b_id"),
        )
        await self._connection.execute(statement, [{"b_seq": seq, "b_id": id_} for seq, id_ in keys])
        return len(keys)

    async def after(
        self, position: FeedPosition | None, entities: frozenset[SyncEntity], limit: int
    ) -> Sequence[FeedEntry]:
        where = [_C.tenant_id == self._tenant_id, _C.entity.in_(sorted(e.value for e in entities))]
        if position is not None:
            where.append(
                sa.or_(_C.seq > position.sequence, sa.and_(_C.seq == position.sequence, _C.id > position.entry))
            )
        statement = (
            sa.select(_C.seq, _C.id, _C.entity, _C.entity_id, _C.changed_at)
            .where(*where)
            .order_by(_C.seq, _C.id)
            .limit(limit)
        )
        rows = (await self._connection.execute(statement)).all()
        return [
            FeedEntry(
                position=FeedPosition(int(row.seq), row.id),
                entity=SyncEntity(row.entity),
                entity_id=row.entity_id,
                changed_at=row.changed_at,
            )
            for row in rows
        ]


class SqlSyncLedger(SyncLedger):
    """The tenant's rows of ``sync_device_changes``."""

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def get(self, device_id: str, change_id: str) -> AppliedChange | None:
        c = sync_device_changes.c
        row = (
            await self._connection.execute(
                sa.select(c.entity, c.operation, c.entity_id, c.version).where(
                    c.tenant_id == self._tenant_id, c.device_id == device_id, c.change_id == change_id
                )
            )
        ).one_or_none()
        if row is None:
            return None
        return AppliedChange(
            entity=SyncEntity(row.entity),
            operation=SyncOperation(row.operation),
            entity_id=row.entity_id,
            version=row.version,
        )

    async def add(self, device_id: str, change_id: str, applied: AppliedChange, at: datetime) -> None:
        row = {
            "tenant_id": self._tenant_id,
            "device_id": device_id,
            "change_id": change_id,
            "entity": applied.entity.value,
            "operation": applied.operation.value,
            "entity_id": applied.entity_id,
            "version": applied.version,
            "applied_at": at,
        }
        try:  # now, not at commit: a concurrent upload of the same change waits here, then fails
            await self._connection.execute(sa.insert(sync_device_changes).values(**row))
        except IntegrityError as exc:
            if "pk_sync_device_changes" in str(exc.orig) or "sync_device_changes" in str(exc.orig):
                raise ChangeInProgress("this change is being applied by another upload: upload it again") from exc
            raise
