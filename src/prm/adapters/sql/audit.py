"""The audit trail on the unit of work's connection: written in the same transaction as the change
(one INSERT, batched for many ids), and read back by tenant.

A read of several records (a page) is one ``audit_events`` row that lists them in ``entity_ids``,
plus one ``audit_event_entities`` row per record, by which the log finds the event again (see
``audit_tables``)."""

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from prm.adapters.sql.audit_tables import audit_event_entities, audit_events
from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.unit_of_work import SqlUnitOfWork
from prm.application.audit.ports import AuditCriteria, AuditEvent, AuditLog
from prm.application.shared.audit import READS, AuditAction, AuditTrail
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
        if action not in READS:
            ids: Sequence[UUID | None] = entity_ids or [None]
            self._uow.defer_insert(
                audit_events,
                [{**base, "id": new_id(), "entity_id": str(i) if i else None, "entity_ids": None} for i in ids],
            )
            return
        named = list(dict.fromkeys(entity_ids))  # a read: one event, naming every record read
        event: dict[str, Any] = {**base, "id": new_id(), "entity_id": None, "entity_ids": None}
        if len(named) == 1:
            event["entity_id"] = str(named[0])
        elif named:
            event["entity_ids"] = [str(i) for i in named]
        self._uow.defer_insert(audit_events, [event])
        if len(named) > 1:
            self._uow.defer_insert(
                audit_event_entities,
                [{"tenant_id": base["tenant_id"], "entity_id": i, "event_id": event["id"]} for i in named],
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
        entity_ids=tuple(row["entity_ids"] or ([row["entity_id"]] if row["entity_id"] else ())),
        changed_fields=tuple(row["changed_fields"]),
        request_id=row["request_id"],
        client_ip=row["client_ip"],
    )


EXPORT_BATCH = 1000


class SqlAuditLog(AuditLog):
    """The tenant's audit events (read side)."""

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
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
            where.append(c.id.in_(self._naming(criteria.entity_id)))
        if criteria.action:
            where.append(c.action == criteria.action)
        if criteria.since:
            where.append(c.occurred_at >= criteria.since)
        if criteria.until:
            where.append(c.occurred_at < criteria.until)
        return where

    def _naming(self, entity_id: str) -> sa.CompoundSelect[Any] | sa.Select[Any]:
        """Ids of the events that name ``entity_id``: alone (``entity_id``, an index look-up) or
        among others (``audit_event_entities``, another); ids are UUIDs, written in canonical form."""
        try:
            as_uuid: UUID | None = UUID(entity_id)
        except ValueError:
            as_uuid = None
        alone = sa.select(audit_events.c.id).where(
            audit_events.c.tenant_id == self._tenant_id,
            audit_events.c.entity_id == (str(as_uuid) if as_uuid else entity_id),
        )
        if as_uuid is None:
            return alone
        among = sa.select(audit_event_entities.c.event_id).where(
            audit_event_entities.c.tenant_id == self._tenant_id, audit_event_entities.c.entity_id == as_uuid
        )
        return sa.union_all(alone, among)

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
