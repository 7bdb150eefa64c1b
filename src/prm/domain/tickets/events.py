"""Domain events of the tickets context; written to the outbox with the change that caused them.

The first field is the ticket's id (the outbox keys on it). Events carry ids, codes and UTC
times, never titles, descriptions, comments or resolution notes. Every event is also a webhook
event (the relay fans every event out to the tenant's subscriptions).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar
from uuid import UUID

from prm.domain.shared.events import catalogue
from prm.domain.shared.ids import PatientId
from prm.domain.tickets.ids import TicketCommentId, TicketId


@dataclass(frozen=True, slots=True)
class TicketCreated:
    TYPE: ClassVar[str] = "ticket.created"
    VERSION: ClassVar[int] = 1

    ticket_id: TicketId
    patient_id: PatientId
    source: str
    category: str
    priority: str
    journey_instance_id: UUID | None = None
    survey_response_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class TicketUpdated:
    """Priority, assignee or category changed (``changed_fields``: their names only)."""

    TYPE: ClassVar[str] = "ticket.updated"
    VERSION: ClassVar[int] = 1

    ticket_id: TicketId
    changed_fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TicketStatusChanged:
    TYPE: ClassVar[str] = "ticket.status_changed"
    VERSION: ClassVar[int] = 1

    ticket_id: TicketId
    from_status: str
    to_status: str


@dataclass(frozen=True, slots=True)
class TicketCommented:
    TYPE: ClassVar[str] = "ticket.commented"
    VERSION: ClassVar[int] = 1

    ticket_id: TicketId
    comment_id: TicketCommentId
    first_response: bool


@dataclass(frozen=True, slots=True)
class TicketSlaBreached:
    """A due time passed: ``breach_kind`` ``first_response`` or ``resolution``; ``escalation`` is
    what the policy did about it (``raise_priority``, ``reassign`` or ``none``), ``priority`` and
    ``assigned_team`` the ticket's after it."""

    TYPE: ClassVar[str] = "ticket.sla_breached"
    VERSION: ClassVar[int] = 1

    ticket_id: TicketId
    breach_kind: str
    due_at: datetime
    breached_at: datetime
    escalation: str
    priority: str
    assigned_team: str | None = None


CATALOGUE = catalogue(TicketCreated, TicketUpdated, TicketStatusChanged, TicketCommented, TicketSlaBreached)
"""What this context publishes, by ``TYPE``."""
