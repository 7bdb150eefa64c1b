"""Open a ticket in the caller's unit of work: the public use case other contexts call
(journeys' "create a ticket" action, surveys' low scores) and the HTTP create wraps."""

from dataclasses import dataclass
from uuid import UUID

import structlog

from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import PrincipalKind, RequestContext
from prm.application.shared.ports import Clock, Outbox
from prm.application.tickets.ports import AssigneeDirectory, PatientDirectory, SlaPolicies, TicketRepository
from prm.domain.shared.errors import PatientNotFound
from prm.domain.shared.ids import PatientId
from prm.domain.tickets.codes import TicketPriority, TicketSource
from prm.domain.tickets.errors import InvalidTicket
from prm.domain.tickets.history import Actor
from prm.domain.tickets.ids import TicketId, UserId
from prm.domain.tickets.model import Ticket, check_text
from prm.domain.tickets.sla import DEFAULT_POLICY

log = structlog.get_logger(__name__)

ENTITY = "ticket"
"""The audit trail's name for a ticket."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenTicketCommand:
    """A ticket to open. ``priority`` and ``source`` are codes (``low`` ... ``urgent``;
    ``staff``, ``survey``, ``journey``, ``integration``); ``category`` a code (default ``general``);
    ``dedup_key`` (up to 200 characters) makes the call idempotent per tenant: a second call with
    the same key returns the first ticket's id and stores nothing."""

    patient_id: PatientId
    title: str
    description: str | None = None
    category: str | None = None
    priority: TicketPriority | str = TicketPriority.MEDIUM
    source: TicketSource | str = TicketSource.STAFF
    journey_instance_id: UUID | None = None
    survey_response_id: UUID | None = None
    dedup_key: str | None = None
    assigned_to: UUID | None = None
    assigned_team: str | None = None


def actor_of(context: RequestContext) -> Actor:
    """The request's principal as a ticket's history records it."""
    return Actor(context.principal.kind.value, context.principal.id)


def _code(kind: type[TicketPriority] | type[TicketSource], name: str, value: object) -> str:
    try:
        return kind(str(value)).value
    except ValueError as exc:
        known = ", ".join(m.value for m in kind)
        raise InvalidTicket(f"{name} must be one of {known}", field=name) from exc


class OpenTicket:
    """Store a new ticket in the caller's unit of work, **without committing**; returns its id.

    - Due times come from the tenant's SLA policy (the default when it has none).
    - Raises ``PatientNotFound`` (404) for a patient the tenant does not have, ``InvalidTicket``
      (422, naming the field) for a bad title, code, priority, source or an unknown ``assigned_to``.
    - Records ``TicketCreated`` in the outbox, the ``created`` activity and a ``create`` audit event.
    """

    def __init__(
        self,
        tickets: TicketRepository,
        policies: SlaPolicies,
        patients: PatientDirectory,
        assignees: AssigneeDirectory,
        outbox: Outbox,
        clock: Clock,
        context: RequestContext,
        audit: AuditTrail,
    ) -> None:
        self._tickets = tickets
        self._policies = policies
        self._patients = patients
        self._assignees = assignees
        self._outbox = outbox
        self._clock = clock
        self._context = context
        self._audit = audit

    async def __call__(self, command: OpenTicketCommand) -> TicketId:
        dedup_key = check_text("dedup_key", command.dedup_key)
        if dedup_key is not None:
            existing = await self._tickets.id_by_dedup_key(dedup_key)
            if existing is not None:
                return existing
        priority = TicketPriority(_code(TicketPriority, "priority", command.priority))
        source = TicketSource(_code(TicketSource, "source", command.source))
        if not await self._patients.exists(command.patient_id):
            raise PatientNotFound(f"patient {command.patient_id} not found")
        assignee = UserId(command.assigned_to) if command.assigned_to is not None else None
        if assignee is not None and not await self._assignees.exists(assignee):
            raise InvalidTicket(f"assigned_to: no user {assignee} in this tenant", field="assigned_to")
        ticket = Ticket.open(
            tenant_id=self._context.tenant_id,
            patient_id=command.patient_id,
            title=command.title,
            description=command.description,
            category=command.category,
            priority=priority,
            source=source,
            policy=await self._policies.get() or DEFAULT_POLICY,
            actor=actor_of(self._context),
            now=self._clock.now(),
            assigned_to=assignee,
            assigned_team=command.assigned_team,
            journey_instance_id=command.journey_instance_id,
            survey_response_id=command.survey_response_id,
            dedup_key=dedup_key,
        )
        stored = await self._tickets.add(ticket)
        if stored != ticket.id:  # a concurrent call with the same dedup_key stored its ticket first
            return stored
        await self._outbox.add(ticket.events)
        await self._audit.record(AuditAction.CREATE, ENTITY, [ticket.id])
        log.info("ticket.opened", ticket_id=str(ticket.id), source=source.value, priority=priority.value)
        return ticket.id


def source_for(context: RequestContext) -> TicketSource:
    """Where a ticket created over HTTP comes from: an API key is an integration, anyone else staff."""
    return TicketSource.INTEGRATION if context.principal.kind is PrincipalKind.API_KEY else TicketSource.STAFF
