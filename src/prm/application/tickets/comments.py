"""A ticket's comments (``GET|POST /tickets/{id}/comments``) and its history (``GET /tickets/{id}/activity``)."""

from dataclasses import dataclass, field

import structlog

from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.paging import Page, PageRequest
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.application.tickets.get_ticket import existing
from prm.application.tickets.open_ticket import ENTITY, actor_of
from prm.application.tickets.ports import TicketFinder, TicketRepository
from prm.domain.tickets.history import ActivityEntry, TicketComment
from prm.domain.tickets.ids import TicketId

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class AddCommentCommand:
    ticket_id: TicketId
    body: str


class AddComment:
    """Comment on a ticket as the caller (the author). The first comment by a member of staff (a
    user) sets the ticket's ``first_response_at``. Raises ``TicketNotFound`` (404), ``TicketClosed``
    (409), ``InvalidTicket`` (422, ``body``). Records ``TicketCommented``, the activity and an
    ``update`` audit event (``comments``)."""

    def __init__(
        self,
        tickets: TicketRepository,
        outbox: Outbox,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
        audit: AuditTrail,
    ) -> None:
        self._tickets = tickets
        self._outbox = outbox
        self._uow = uow
        self._clock = clock
        self._context = context
        self._audit = audit

    async def __call__(self, command: AddCommentCommand) -> TicketComment:
        ticket = await existing(self._tickets, command.ticket_id)
        version = ticket.version
        comment = ticket.comment(command.body, author=actor_of(self._context), now=self._clock.now())
        await self._tickets.add_comment(comment)
        await self._tickets.save(ticket, expected_version=version)
        await self._outbox.add(ticket.events)
        await self._audit.record(AuditAction.UPDATE, ENTITY, [ticket.id], ["comments"])
        await self._uow.commit()
        log.info("ticket.commented", ticket_id=str(ticket.id), comment_id=str(comment.id))
        return comment


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketPageQuery:
    ticket_id: TicketId
    page: PageRequest = field(default_factory=PageRequest)


class ListComments:
    """A page of the ticket's comments, oldest first; raises ``TicketNotFound`` (404). Audited as a read."""

    def __init__(self, tickets: TicketRepository, finder: TicketFinder, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._tickets = tickets
        self._finder = finder
        self._audit = audit
        self._uow = uow

    async def __call__(self, query: TicketPageQuery) -> Page[TicketComment]:
        ticket = await existing(self._tickets, query.ticket_id)
        page = await self._finder.comments(ticket.id, query.page)
        await self._audit.record(AuditAction.READ, ENTITY, [ticket.id])
        await self._uow.commit()
        return page


class ListActivity:
    """A page of the ticket's history (every change: who, when, which field from what to what),
    oldest first; raises ``TicketNotFound`` (404). Audited as a read."""

    def __init__(self, tickets: TicketRepository, finder: TicketFinder, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._tickets = tickets
        self._finder = finder
        self._audit = audit
        self._uow = uow

    async def __call__(self, query: TicketPageQuery) -> Page[ActivityEntry]:
        ticket = await existing(self._tickets, query.ticket_id)
        page = await self._finder.activity(ticket.id, query.page)
        await self._audit.record(AuditAction.READ, ENTITY, [ticket.id])
        await self._uow.commit()
        return page
