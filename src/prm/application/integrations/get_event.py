"""Read one inbound event (``GET /integrations/events/{id}``)."""

from prm.application.integrations.ports import IntegrationEventRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import UnitOfWork
from prm.domain.integrations.errors import IntegrationEventNotFound
from prm.domain.integrations.ids import IntegrationEventId
from prm.domain.integrations.model import IntegrationEvent


class GetIntegrationEvent:
    """One inbound event with its payload; raises ``IntegrationEventNotFound`` (404, also for
    another tenant's id). Records a ``read`` audit event and commits."""

    def __init__(self, events: IntegrationEventRepository, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._events = events
        self._audit = audit
        self._uow = uow

    async def __call__(self, event_id: IntegrationEventId) -> IntegrationEvent:
        event = await self._events.get(event_id)
        if event is None:
            raise IntegrationEventNotFound(f"integration event {event_id} not found")
        await self._audit.record(AuditAction.READ, "integration_event", [event.id])
        await self._uow.commit()
        return event
