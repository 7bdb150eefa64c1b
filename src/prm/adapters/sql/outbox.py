"""The transactional outbox's writer: events go in with the change that raised them."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

from prm.adapters.sql.outbox_tables import outbox, partition_of
from prm.adapters.sql.unit_of_work import SqlUnitOfWork
from prm.application.shared.ports import Clock, Outbox
from prm.domain.shared.events import aggregate_id, event_type, event_version
from prm.domain.shared.ids import TenantId, new_id


class SqlOutbox(Outbox):
    """Appends events to ``outbox`` on the unit of work's connection (same transaction).

    Each event is a dataclass of its context's catalogue (``TYPE``, ``VERSION``; the first field
    is the aggregate's id); the payload is its fields as JSON (ids, codes and times only: events
    carry no personal data). Raises ``EventCatalogueError`` for an event without ``TYPE``.
    """

    def __init__(self, uow: SqlUnitOfWork, tenant_id: TenantId, clock: Clock) -> None:
        self._uow = uow
        self._tenant_id = tenant_id
        self._clock = clock

    async def add(self, events: Sequence[object]) -> None:
        if not events:
            return
        now: datetime = self._clock.now()
        rows: list[dict[str, Any]] = []
        for event in events:
            aggregate = aggregate_id(event)
            rows.append(
                {
                    "tenant_id": self._tenant_id,
                    "id": new_id(),
                    "event_type": event_type(event),
                    "event_version": event_version(event),
                    "aggregate_id": aggregate,
                    "partition": partition_of(aggregate),
                    "payload": msgspec.to_builtins(event),
                    "occurred_at": now,
                }
            )
        self._uow.defer_insert(outbox, rows)  # written at commit, in the same transaction
