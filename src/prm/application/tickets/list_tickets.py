"""The ticket list (``GET /tickets``)."""

from dataclasses import dataclass, field
from uuid import UUID

from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.paging import Page, PageRequest
from prm.application.shared.ports import Clock, UnitOfWork
from prm.application.tickets.open_ticket import ENTITY
from prm.application.tickets.ports import TicketCriteria, TicketFinder
from prm.domain.shared.ids import PatientId
from prm.domain.tickets.codes import TicketPriority, TicketStatus
from prm.domain.tickets.ids import UserId
from prm.domain.tickets.model import Ticket, check_code


@dataclass(frozen=True, slots=True, kw_only=True)
class ListTicketsQuery:
    """``category`` and ``assigned_team`` are codes (any case); ``overdue`` true keeps the active
    tickets past a due time they have not met, false every other one."""

    page: PageRequest = field(default_factory=PageRequest)
    patient_id: PatientId | None = None
    status: TicketStatus | None = None
    priority: TicketPriority | None = None
    assigned_to: UserId | None = None
    assigned_team: str | None = None
    category: str | None = None
    journey_instance_id: UUID | None = None
    overdue: bool | None = None


class ListTickets:
    """A page of the tenant's tickets, newest first. Records one ``search`` audit event naming
    every ticket listed and commits."""

    def __init__(self, finder: TicketFinder, clock: Clock, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._finder = finder
        self._clock = clock
        self._audit = audit
        self._uow = uow

    async def __call__(self, query: ListTicketsQuery) -> Page[Ticket]:
        criteria = TicketCriteria(
            patient_id=query.patient_id,
            status=query.status,
            priority=query.priority,
            assigned_to=query.assigned_to,
            assigned_team=check_code("assigned_team", query.assigned_team),
            category=check_code("category", query.category),
            journey_instance_id=query.journey_instance_id,
            overdue=query.overdue,
            now=self._clock.now(),
        )
        page = await self._finder.find(criteria, query.page)
        await self._audit.record(AuditAction.SEARCH, ENTITY, [t.id for t in page.items])
        await self._uow.commit()
        return page
