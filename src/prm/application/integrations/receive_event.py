"""Receive one inbound event (reference API: ``POST /integrations/events``)."""

from dataclasses import dataclass

import structlog

from prm.application.integrations.inputs import ReceiveEventCommand
from prm.application.integrations.ports import IngestionCounter, IntegrationConfigRepository, IntegrationEventRepository
from prm.application.integrations.rate_limits import count_events
from prm.application.shared.context import RequestContext
from prm.application.shared.jobs import JobScheduler
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.integrations.model import IntegrationEvent

log = structlog.get_logger(__name__)

PROCESS_EVENT = "integrations.process_event"
"""The job that processes one event (``{"event_id": "<uuid>"}``)."""


@dataclass(frozen=True, slots=True)
class ReceivedEvent:
    """The stored event, and whether this call stored it (``False``: a replay of a known one)."""

    event: IntegrationEvent
    created: bool


class ReceiveIntegrationEvent:
    """Store one inbound event as ``pending`` and schedule its processing, in one transaction.

    - The same ``source_system`` and ``external_id`` again is a replay: answered with the stored
      event (``created`` false), nothing stored or counted.
    - Raises ``RuleViolated`` (422) naming the field, ``PayloadTooLarge`` for a payload over
      64 KiB, ``IntegrationRateLimited`` (429) past the system's hourly limit
      (:mod:`~prm.application.integrations.rate_limits`), ``DuplicateIntegrationEvent`` (409)
      when a concurrent request stored the same event first.
    - Schedules ``integrations.process_event`` keyed by the event id.
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

    async def __call__(self, command: ReceiveEventCommand) -> ReceivedEvent:
        now = self._clock.now()
        event = command.event(self._context.tenant_id, now)
        stored = await self._events.get_by_key(event.key)
        if stored is not None:
            return ReceivedEvent(stored, created=False)
        await count_events(self._configs, self._counter, {event.source_system: 1}, now)
        self._events.add_many([event])
        self._jobs.schedule(PROCESS_EVENT, {"event_id": str(event.id)}, key=str(event.id))
        await self._uow.commit()
        log.info("integration_event.received", integration_event_id=str(event.id), event_code=event.event_code)
        return ReceivedEvent(event, created=True)
