"""Journey tickets through the tickets context's public use case (:class:`OpenTicket`)."""

from uuid import UUID

from prm.application.journeys.ports import JourneyTickets, StageActionRequest
from prm.application.tickets.open_ticket import OpenTicket, OpenTicketCommand
from prm.domain.journeys.model import CreateTicket
from prm.domain.tickets.codes import TicketSource


class JourneyTicketsFromTickets(JourneyTickets):
    """Opens the ticket in the caller's unit of work (no commit), linked to the journey instance,
    source ``journey``; the action's ``dedup_key`` makes a retried action open one ticket."""

    def __init__(self, open_ticket: OpenTicket) -> None:
        self._open = open_ticket

    async def open(self, request: StageActionRequest, action: CreateTicket) -> UUID:
        return await self._open(
            OpenTicketCommand(
                patient_id=request.patient_id,
                title=action.title,
                category=action.category or "journey",
                priority=action.priority,
                source=TicketSource.JOURNEY,
                journey_instance_id=request.instance_id,
                dedup_key=request.dedup_key,
            )
        )
