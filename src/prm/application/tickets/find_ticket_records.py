"""The FHIR Task search: the ticket list's filters with several statuses at once (one FHIR Task
status, ``completed``, stands for two ticket statuses)."""

from dataclasses import dataclass, field

from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.paging import Page, PageRequest
from prm.application.shared.ports import Clock, UnitOfWork
from prm.application.tickets.open_ticket import ENTITY
from prm.application.tickets.ports import TicketCriteria, TicketFinder
from prm.domain.shared.ids import PatientId
from prm.domain.tickets.codes import TicketPriority, TicketStatus
from prm.domain.tickets.model import Ticket


@dataclass(frozen=True, slots=True, kw_only=True)
class FindTicketRecordsQuery:
    """Filters that must all hold; ``statuses``: any of them (empty: any status)."""

    page: PageRequest = field(default_factory=PageRequest)
    patient_id: PatientId | None = None
    statuses: frozenset[TicketStatus] = frozenset()
    priority: TicketPriority | None = None


class FindTicketRecords:
    """A page of the tenant's tickets, newest first. Records one ``search`` audit event naming
    every ticket found and commits, as the ticket list does."""

    def __init__(self, finder: TicketFinder, clock: Clock, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._finder = finder
        self._clock = clock
        self._audit = audit
        self._uow = uow

    async def __call__(self, query: FindTicketRecordsQuery) -> Page[Ticket]:
        criteria = TicketCriteria(
            patient_id=query.patient_id, statuses=query.statuses, priority=query.priority, now=self._clock.now()
        )
        page = await self._finder.find(criteria, query.page)
        await self._audit.record(AuditAction.SEARCH, ENTITY, [t.id for t in page.items])
        await self._uow.commit()
        return page
