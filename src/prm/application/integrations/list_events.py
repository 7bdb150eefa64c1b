"""The inbound event list (reference API: ``GET /integrations/events``)."""

from dataclasses import dataclass, field, replace

from prm.application.integrations.ports import IntegrationEventCriteria, IntegrationEventFinder, IntegrationEventSummary
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.paging import Page, PageRequest
from prm.application.shared.ports import UnitOfWork
from prm.domain.shared.errors import RuleViolated


@dataclass(frozen=True, slots=True, kw_only=True)
class ListIntegrationEventsQuery:
    criteria: IntegrationEventCriteria = field(default_factory=IntegrationEventCriteria)
    page: PageRequest = field(default_factory=PageRequest)


class ListIntegrationEvents:
    """A page of the tenant's inbound events, newest received first, without their payloads
    (``source_system`` matched in lower case, as stored). Raises ``RuleViolated`` (422 on
    ``received_to``) for an empty time range. Records one ``search`` audit event naming the
    events listed (they name patients) and commits."""

    def __init__(self, finder: IntegrationEventFinder, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._finder = finder
        self._audit = audit
        self._uow = uow

    async def __call__(self, query: ListIntegrationEventsQuery) -> Page[IntegrationEventSummary]:
        c = query.criteria
        if c.received_from is not None and c.received_to is not None and c.received_to <= c.received_from:
            raise RuleViolated("received_to must be after received_from", field="received_to")
        if c.source_system is not None:
            c = replace(c, source_system=c.source_system.strip().lower())
        page = await self._finder.find(c, query.page)
        await self._audit.record(AuditAction.SEARCH, "integration_event", [e.id for e in page.items])
        await self._uow.commit()
        return page
