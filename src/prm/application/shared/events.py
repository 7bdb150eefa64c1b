"""Published events as handlers see them, and the handler port.

The outbox relay (``prm worker``, or in-process inside ``prm serve`` on SQLite) delivers every
committed event at least once, in order per aggregate, to the handlers registered for its type
in ``prm.ioc.events.EVENT_HANDLERS``. Each handler runs in a unit of work of its own, bound to the
event's tenant with the system principal; the relay records ``(handler, event id)`` in
``processed_events`` in that same transaction, so a handler whose unit committed never sees the
event again. A handler that does not commit itself has its record committed by the relay.
"""

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from prm.domain.shared.ids import TenantId


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishedEvent:
    """One outbox row: ``type`` and ``version`` from the event's catalogue (``prm.domain.shared.events``),
    ``occurred_at`` in UTC, ``payload`` the event's fields as JSON values (ids as strings, times
    as RFC 3339 strings)."""

    id: UUID
    tenant_id: TenantId
    type: str
    version: int
    aggregate_id: UUID
    occurred_at: datetime
    payload: Mapping[str, Any]


class EventHandler(Protocol):
    """Reacts to one published event inside its own unit of work; must be idempotent in effect
    (the relay's processed-events record makes a repeat rare, not impossible, if the handler
    calls outside systems before committing)."""

    @abstractmethod
    async def __call__(self, event: PublishedEvent) -> None: ...


class BatchEventHandler(EventHandler, Protocol):
    """A handler that can also take several events of one tenant at once (in order, one unit of
    work for all: all or none). The relay gives it a partition's batch; if the batch raises, or
    one of its events was handled before, the relay goes back to one event at a time, so that a
    bad event is found, recorded and retried alone."""

    @abstractmethod
    async def handle_batch(self, events: Sequence[PublishedEvent]) -> None: ...
