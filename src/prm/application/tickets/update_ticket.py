"""Change a ticket (``PATCH /tickets/{id}``): status, resolution notes, priority, assignee, category."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from uuid import UUID

import structlog

from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.application.tickets.get_ticket import existing
from prm.application.tickets.open_ticket import ENTITY, actor_of
from prm.application.tickets.ports import AssigneeDirectory, SlaPolicies, TicketRepository
from prm.domain.shared.errors import StaleVersion
from prm.domain.tickets.errors import InvalidTicket
from prm.domain.tickets.ids import TicketId, UserId
from prm.domain.tickets.model import Ticket
from prm.domain.tickets.sla import DEFAULT_POLICY

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateTicketCommand:
    """``changes`` maps field names (``status``, ``resolution_notes``, ``priority``,
    ``assigned_to``, ``assigned_team``, ``category``) to new values; absent fields stay as they
    are, ``None`` clears an assignee. ``expected_version`` (``If-Match`` or the body) makes it conditional."""

    ticket_id: TicketId
    changes: Mapping[str, object] = field(default_factory=dict)
    expected_version: int | None = None


class UpdateTicket:
    """Partial update with optimistic concurrency.

    Raises ``TicketNotFound`` (404), ``StaleVersion`` (409), ``TransitionNotAllowed`` (409,
    ``status``) for a move the workflow does not allow, ``TicketClosed`` (409) for a closed
    ticket, ``InvalidTicket`` (422, naming the field): resolving without ``resolution_notes``, an
    unknown code or ``assigned_to`` user. A new priority recomputes the due times from the ticket's
    creation. Records ``TicketUpdated`` / ``TicketStatusChanged``, the activity and an ``update``
    audit event naming the fields; a change that changes nothing leaves the version as it is.
    """

    def __init__(
        self,
        tickets: TicketRepository,
        policies: SlaPolicies,
        assignees: AssigneeDirectory,
        outbox: Outbox,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
        audit: AuditTrail,
    ) -> None:
        self._tickets = tickets
        self._policies = policies
        self._assignees = assignees
        self._outbox = outbox
        self._uow = uow
        self._clock = clock
        self._context = context
        self._audit = audit

    async def __call__(self, command: UpdateTicketCommand) -> Ticket:
        ticket = await existing(self._tickets, command.ticket_id)
        if command.expected_version is not None and command.expected_version != ticket.version:
            raise StaleVersion(
                f"ticket {ticket.id} is at version {ticket.version}, not {command.expected_version}: "
                "reload it and apply the change again"
            )
        assignee = command.changes.get("assigned_to")
        new_assignee = assignee if isinstance(assignee, UUID) and assignee != ticket.assigned_to else None
        if new_assignee is not None and not await self._assignees.exists(UserId(new_assignee)):
            raise InvalidTicket(f"assigned_to: no user {assignee} in this tenant", field="assigned_to")
        version = ticket.version
        policy = await self._policies.get() or DEFAULT_POLICY
        changed = ticket.revise(command.changes, actor=actor_of(self._context), now=self._clock.now(), policy=policy)
        if changed:
            await self._tickets.save(ticket, expected_version=version)
            await self._outbox.add(ticket.events)
            await self._audit.record(AuditAction.UPDATE, ENTITY, [ticket.id], list(changed))
            await self._uow.commit()
            log.info("ticket.updated", ticket_id=str(ticket.id), version=ticket.version, status=ticket.status.value)
        return ticket
