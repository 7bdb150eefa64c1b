"""What a ticket's history is made of: who acted (:class:`Actor`), each change
(:class:`ActivityEntry`) and the comments (:class:`TicketComment`)."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from prm.domain.tickets.ids import TicketCommentId, TicketId


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did something: a principal's kind (``user``, ``api_key``, ``system``) and id."""

    kind: str
    id: str | None = None

    @property
    def is_staff(self) -> bool:
        """A person of the tenant (a logged-in user): their comments count as a response."""
        return self.kind == "user"


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivityEntry:
    """One line of a ticket's history. ``action``: ``created``, ``changed`` (``field`` went from
    ``from_value`` to ``to_value``, as text), ``commented`` (``to_value``: the comment id) or
    ``breached`` (``field``: the breach kind, ``to_value``: the due time missed)."""

    id: UUID
    at: datetime
    actor: Actor
    action: str
    field: str | None = None
    from_value: str | None = None
    to_value: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketComment:
    id: TicketCommentId
    ticket_id: TicketId
    author: Actor
    body: str
    created_at: datetime
