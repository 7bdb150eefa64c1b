"""The audit trail on the unit of work's connection (same transaction as the change)."""

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from prm.adapters.sql.audit_tables import audit_events
from prm.adapters.sql.bulk import insert_rows
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock
from prm.domain.shared.ids import new_id


class SqlAuditTrail(AuditTrail):
    def __init__(self, connection: AsyncConnection, context: RequestContext, clock: Clock) -> None:
        self._connection = connection
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
        await insert_rows(
            self._connection, audit_events, [{**base, "id": new_id(), "entity_id": str(i) if i else None} for i in ids]
        )
