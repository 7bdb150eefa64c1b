"""Create a ticket over the API (``POST /tickets``): :class:`OpenTicket`, then commit."""

from dataclasses import replace

from prm.application.shared.context import RequestContext
from prm.application.shared.ports import UnitOfWork
from prm.application.tickets.open_ticket import OpenTicket, OpenTicketCommand, source_for
from prm.application.tickets.ports import TicketRepository
from prm.domain.tickets.errors import TicketNotFound
from prm.domain.tickets.model import Ticket


class CreateTicket:
    """Open a ticket as :class:`OpenTicket` does and commit; the source is the caller's
    (``integration`` for an API key, else ``staff``). Returns the ticket as stored."""

    def __init__(
        self, open_ticket: OpenTicket, tickets: TicketRepository, uow: UnitOfWork, context: RequestContext
    ) -> None:
        self._open = open_ticket
        self._tickets = tickets
        self._uow = uow
        self._context = context

    async def __call__(self, command: OpenTicketCommand) -> Ticket:
        ticket_id = await self._open(replace(command, source=source_for(self._context)))
        ticket = await self._tickets.get(ticket_id)
        if ticket is None:  # pragma: no cover - stored in this very transaction
            raise TicketNotFound(f"ticket {ticket_id} not found")
        await self._uow.commit()
        return ticket
