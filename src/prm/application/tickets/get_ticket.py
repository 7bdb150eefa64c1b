"""Read one ticket by id."""

from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import UnitOfWork
from prm.application.tickets.open_ticket import ENTITY
from prm.application.tickets.ports import TicketRepository
from prm.domain.tickets.errors import TicketNotFound
from prm.domain.tickets.ids import TicketId
from prm.domain.tickets.model import Ticket


async def existing(tickets: TicketRepository, ticket_id: TicketId) -> Ticket:
    """The tenant's ticket; raises ``TicketNotFound`` (404), also for another tenant's id."""
    ticket = await tickets.get(ticket_id)
    if ticket is None:
        raise TicketNotFound(f"ticket {ticket_id} not found")
    return ticket


class GetTicket:
    """One ticket of the caller's tenant; raises ``TicketNotFound`` (404). Records a ``read``
    audit event and commits it."""

    def __init__(self, tickets: TicketRepository, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._tickets = tickets
        self._audit = audit
        self._uow = uow

    async def __call__(self, ticket_id: TicketId) -> Ticket:
        ticket = await existing(self._tickets, ticket_id)
        await self._audit.record(AuditAction.READ, ENTITY, [ticket.id])
        await self._uow.commit()
        return ticket
