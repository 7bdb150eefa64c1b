"""The audit trail on the unit of work's connection: written in the same transaction as the change
(one INSERT, batched for many ids), and read back by tenant."""

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from prm.adapters.sql.audit_tables import audit_events
from prm.adapters.sql.unit_of_work import SqlUnitOfWork
from prm.application.audit.ports import AuditCriteria, AuditEvent, AuditLog
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.paging import Page, PageRequest
from prm.application.shared.ports import Clock
from prm.domain.shared.ids import TenantId, new_id


class SqlAuditTrail(AuditTrail):
    """Events are deferred to the unit of work's commit (same transaction, no round trip of their own)."""

    def __init__(self, uow: SqlUnitOfWork, context: RequestContext, clock: Clock) -> None:
        self._uow = uow
        self._context = context
        self._clock = clock

    async def record(
        self, action: AuditAction, entity_type: str, entity_ids: Sequence[UUID] = (), changed_fields: Sequence[str] = ()
    ) -> None:
        now = self._clock.now()
        principal = self._context.principal
        base = {
            "tenant_id": self._context.tenant_id,
            "occurred_at": now,
            "actor_type": principal.kind.value,
            "actor_id": principal.id,
            "action": action.value,
            "entity_type": entity_type,
            "changed_fields": list(changed_fields),
            "request_id": self._context.request_id,
            "client_ip": self._context.client_ip,
        }
        ids: Sequence[UUID | None] = entity_ids or [None]
        self._uow.defer_insert(
            audit_events, [{**base, "id": new_id(), "entity_id": str(i) if i else None} for i in ids]
        )


def _event(row: Mapping[Any, Any]) -> AuditEvent:
    return AuditEvent(
        id=row["id"],
        tenant_id=TenantId(row["tenant_id"]),
        occurred_at=row["occurred_at"],
        actor_type=row["actor_type"],
        actor_id=row["actor_id"],
        action=row["action"],
        entity_type=row["entity_type"],
        entity_id=row["entity_id"],
        changed_fields=tuple(row["changed_fields"]),
        request_id=row["request_id"],
        client_ip=row["client_ip"],
    )


EXPORT_BATCH = 1000


class SqlAuditLog(AuditLog):
    """The tenant's audit events (read side)."""

    def __init__(self, connection: AsyncConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def _where(self, criteria: AuditCriteria) -> list[sa.ColumnElement[bool]]:
        c = audit_events.c
        where: list[sa.ColumnElement[bool]] = [c.tenant_id == self._tenant_id]
        if criteria.actor_id:
            where.append(c.actor_id == criteria.actor_id)
        if criteria.entity_type:
            where.append(c.entity_type == criteria.entity_type)
        if criteria.entity_id:
            where.append(c.entity_id == criteria.entity_id)
        if criteria.action:
            where.append(c.action == criteria.action)
        if criteria.since:
            where.append(c.occurred_at >= criteria.since)
        if criteria.until:
            where.append(c.occurred_at < criteria.until)
        return where

    async def find(self, criteria: AuditCriteria, page: PageRequest) -> Page[AuditEvent]:
        where = self._where(criteria)
        total = (await self._connection.execute(sa.select(sa.func.count()).where(*where))).scalar_one()
        query = (
            sa.select(audit_events)
            .where(*where)
            .order_by(audit_events.c.occurred_at.desc(), audit_events.c.id.desc())
            .limit(page.page_size)
            .offset(page.offset)
        )
        rows = (await self._connection.execute(query)).mappings()
        return Page([_event(r) for r in rows], total, page.page, page.page_size)

    async def stream(self, criteria: AuditCriteria) -> AsyncIterator[AuditEvent]:
        where = self._where(criteria)
        last: tuple[Any, Any] | None = None
        c = audit_events.c
        while True:
            query = sa.select(audit_events).where(*where).order_by(c.occurred_at, c.id).limit(EXPORT_BATCH)
            if last is not None:
                query = query.where(sa.tuple_(c.occurred_at, c.id) > sa.tuple_(*last))
            rows = list((await self._connection.execute(query)).mappings())
            for row in rows:
                yield _event(row)
            if len(rows) < EXPORT_BATCH:
                return
            last = (rows[-1]["occurred_at"], rows[-1]["id"])
