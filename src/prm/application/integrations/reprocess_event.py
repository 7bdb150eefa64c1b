"""Process a failed or ignored inbound event again (``POST /integrations/events/{id}/reprocess``)."""

import structlog

from prm.application.integrations.ports import IntegrationEventRepository
from prm.application.integrations.receive_event import PROCESS_EVENT
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.jobs import JobScheduler
from prm.application.shared.ports import UnitOfWork
from prm.domain.integrations.errors import IntegrationEventNotFound
from prm.domain.integrations.ids import IntegrationEventId
from prm.domain.integrations.model import IntegrationEvent

log = structlog.get_logger(__name__)


class ReprocessIntegrationEvent:
    """Put a ``failed`` or ``ignored`` event back to ``pending`` and schedule
    ``integrations.process_event`` for it again (after a patient was registered, or a subscriber
    added). Raises ``IntegrationEventNotFound`` (404), ``NotReprocessable`` (409) for a pending or
    processed event, ``StaleVersion`` (409) when processing changed it meanwhile. Records an
    ``update`` audit event naming ``status``."""

    def __init__(
        self, events: IntegrationEventRepository, jobs: JobScheduler, audit: AuditTrail, uow: UnitOfWork
    ) -> None:
        self._events = events
        self._jobs = jobs
        self._audit = audit
        self._uow = uow

    async def __call__(self, event_id: IntegrationEventId) -> IntegrationEvent:
        event = await self._events.get(event_id)
        if event is None:
            raise IntegrationEventNotFound(f"integration event {event_id} not found")
        version = event.version
        event.reprocess()
        await self._events.save_many([(event, version)])
        self._jobs.schedule(PROCESS_EVENT, {"event_id": str(event.id)}, key=str(event.id))
        await self._audit.record(AuditAction.UPDATE, "integration_event", [event.id], ["status"])
        await self._uow.commit()
        log.info("integration_event.reprocessing", integration_event_id=str(event.id))
        return event
