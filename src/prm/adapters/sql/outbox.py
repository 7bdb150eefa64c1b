"""The transactional outbox table writer."""

import dataclasses
import functools
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

from prm.adapters.sql.tables import outbox
from prm.adapters.sql.unit_of_work import SqlUnitOfWork
from prm.application.shared.ports import Clock, Outbox
from prm.domain.shared.ids import TenantId, new_id


def event_type(event: object) -> str:
    """``PatientRegistered`` → ``"patient.registered"``: the first word is the aggregate."""
    return _event_type_of(type(event).__name__)


@functools.cache
def _event_type_of(class_name: str) -> str:
    words = re.findall(r"[A-Z][a-z0-9]*", class_name)
    return f"{words[0].lower()}.{'_'.join(w.lower() for w in words[1:])}"


class SqlOutbox(Outbox):
    """Appends events to ``outbox`` on the unit of work's connection (same transaction).

    Each event is a dataclass whose first field is the aggregate's id; the payload is the
    dataclass as JSON (ids and field names only: events carry no personal data).
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
            fields = dataclasses.fields(event)  # type: ignore[arg-type]
            rows.append(
                {
                    "tenant_id": self._tenant_id,
                    "id": new_id(),
                    "event_type": event_type(event),
                    "aggregate_id": getattr(event, fields[0].name),
                    "payload": msgspec.to_builtins(event),
                    "occurred_at": now,
                }
            )
        self._uow.defer_insert(outbox, rows)  # written at commit, in the same transaction
