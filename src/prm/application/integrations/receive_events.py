"""Receive a batch of inbound events (reference API: ``POST /integrations/events/bulk_create``)."""

from collections import Counter
from collections.abc import Sequence

import structlog

from prm.application.integrations.inputs import MAX_BATCH, ItemError, ReceivedBatch, ReceiveEventCommand
from prm.application.integrations.ports import IngestionCounter, IntegrationConfigRepository, IntegrationEventRepository
from prm.application.integrations.rate_limits import count_events
from prm.application.shared.context import RequestContext
from prm.application.shared.jobs import JobScheduler
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.integrations.model import IntegrationEvent
from prm.domain.shared.errors import RuleViolated

log = structlog.get_logger(__name__)

PROCESS_BATCH = "integrations.process_batch"
"""The job that processes the events a batch stored (``{"event_ids": ["<uuid>", ...]}``)."""


class ReceiveIntegrationEvents:
    """Store the good elements of a batch of up to 1,000 events, each checked on its own, and
    schedule one job that processes all that were stored.

    ``items`` are commands, or :class:`ItemError` for elements the entrypoint could not read (a
    missing field, a wrong type); both keep their place (the index). An element that breaks a
    rule is an error naming its index and field; an event already stored, or given earlier in
    the same batch, is a duplicate. One query finds the stored ones, one statement (at commit)
    inserts the new ones. Raises ``RuleViolated`` (422, ``events``) for more than 1,000 elements,
    ``IntegrationRateLimited`` (429) when the new events would pass a system's hourly limit (the
    whole batch is refused, nothing counted), ``DuplicateIntegrationEvent`` (409) when a
    concurrent request stored one of them first.
    """

    def __init__(
        self,
        events: IntegrationEventRepository,
        configs: IntegrationConfigRepository,
        counter: IngestionCounter,
        jobs: JobScheduler,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._events = events
        self._configs = configs
        self._counter = counter
        self._jobs = jobs
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, items: Sequence[ReceiveEventCommand | ItemError]) -> ReceivedBatch:
        if len(items) > MAX_BATCH:
            raise RuleViolated(f"a batch holds at most {MAX_BATCH} events", field="events")
        now = self._clock.now()
        errors: list[ItemError] = []
        candidates: dict[tuple[str, str], IntegrationEvent] = {}
        repeated = 0
        for index, item in enumerate(items):
            if isinstance(item, ItemError):
                errors.append(item)
                continue
            try:
                event = item.event(self._context.tenant_id, now)
            except RuleViolated as exc:
                errors.append(ItemError(index=index, loc=_loc(index, exc.field), msg=exc.detail))
                continue
            if event.key in candidates:
                repeated += 1
            else:
                candidates[event.key] = event
        stored = await self._events.find_existing(list(candidates)) if candidates else {}
        new = [event for key, event in candidates.items() if key not in stored]
        await count_events(self._configs, self._counter, Counter(e.source_system for e in new), now)
        if new:
            self._events.add_many(new)
            self._jobs.schedule(PROCESS_BATCH, {"event_ids": [str(e.id) for e in new]}, key=f"batch:{new[0].id}")
            await self._uow.commit()
        log.info("integration_events.received", created=len(new), duplicates=repeated + len(stored), failed=len(errors))
        errors.sort(key=lambda e: e.index)
        return ReceivedBatch(
            created=len(new), duplicates=repeated + len(stored), failed=len(errors), errors=tuple(errors)
        )


def _loc(index: int, field: str | None) -> tuple[str | int, ...]:
    parts = tuple(int(p) if p.isdigit() else p for p in field.split(".")) if field else ()
    return ("body", "events", index, *parts)
