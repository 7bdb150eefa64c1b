"""The codes a ticket is described with: priority, status, source and the kinds of SLA breach."""

from enum import StrEnum


class TicketPriority(StrEnum):
    """How soon someone must act, lowest first (:meth:`raised` is one step up)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"

    def raised(self) -> "TicketPriority":
        """One step up (``urgent`` stays ``urgent``)."""
        order = list(TicketPriority)
        return order[min(order.index(self) + 1, len(order) - 1)]


class TicketStatus(StrEnum):
    """Where the ticket is in its workflow (see ``model.TRANSITIONS``)."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_active(self) -> bool:
        """Open or in progress: someone still has to act, and the SLA clock runs."""
        return self in {TicketStatus.OPEN, TicketStatus.IN_PROGRESS}


class TicketSource(StrEnum):
    """Who opened the ticket: a member of staff, a low survey score, a journey's stage action, or
    an integration (an API key)."""

    STAFF = "staff"
    SURVEY = "survey"
    JOURNEY = "journey"
    INTEGRATION = "integration"


class BreachKind(StrEnum):
    """Which SLA target was missed: the first response or the resolution."""

    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"
