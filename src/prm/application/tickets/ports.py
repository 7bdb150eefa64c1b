"""Ports of the tickets context. Every implementation is tenant-scoped: it only ever sees the rows
of the tenant it was built for."""

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from prm.application.shared.paging import Page, PageRequest
from prm.domain.shared.ids import PatientId
from prm.domain.tickets.codes import TicketPriority, TicketStatus
from prm.domain.tickets.history import ActivityEntry, TicketComment
from prm.domain.tickets.ids import TicketId, UserId
from prm.domain.tickets.model import Ticket
from prm.domain.tickets.sla import SlaPolicy

DETECT_BREACHES_TASK = "tickets.detect_breaches"
"""The periodic job that marks and escalates SLA breaches (every 60 s, per tenant)."""


class TicketRepository(Protocol):
    """The tenant's tickets as aggregates, with their pending activity and comments."""

    @abstractmethod
    async def add(self, ticket: Ticket) -> TicketId:
        """Insert the ticket and its pending activity; returns its id, or, when another ticket of
        the tenant has its ``dedup_key`` already (a concurrent call), that ticket's id, storing nothing."""

    @abstractmethod
    async def get(self, ticket_id: TicketId) -> Ticket | None: ...

    @abstractmethod
    async def id_by_dedup_key(self, dedup_key: str) -> TicketId | None: ...

    @abstractmethod
    async def save(self, ticket: Ticket, *, expected_version: int) -> None:
        """Update the row if it is still at ``expected_version``, and insert the pending activity;
        raises ``StaleVersion`` otherwise (nothing written)."""

    @abstractmethod
    async def add_comment(self, comment: TicketComment) -> None: ...

    @abstractmethod
    async def breach_candidates(self, now: datetime, limit: int) -> Sequence[Ticket]:
        """Active tickets past a due time at ``now`` whose breach is not marked yet, oldest due first."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketCriteria:
    """Filters that must all hold (``None`` filters nothing). ``overdue``: active and past a due
    time not met at ``now`` (``False``: every other ticket)."""

    patient_id: PatientId | None = None
    status: TicketStatus | None = None
    priority: TicketPriority | None = None
    assigned_to: UserId | None = None
    assigned_team: str | None = None
    category: str | None = None
    journey_instance_id: UUID | None = None
    overdue: bool | None = None
    now: datetime | None = None
    title: str | None = None
    """A fragment found anywhere in the title, taken literally, in any case (the cross-entity search)."""
    statuses: frozenset[TicketStatus] = frozenset()
    """Any of these statuses (empty: no filter); with ``status`` both must hold (the FHIR Task search)."""


class TicketFinder(Protocol):
    """Read side: lists over the tenant's tickets, their comments and their history."""

    @abstractmethod
    async def find(self, criteria: TicketCriteria, page: PageRequest) -> Page[Ticket]:
        """Matching tickets, newest first."""

    @abstractmethod
    async def patient_counts(self, patient_id: PatientId) -> Mapping[TicketStatus, int]:
        """How many tickets the patient has, by status (one indexed, grouped count)."""

    @abstractmethod
    async def comments(self, ticket_id: TicketId, page: PageRequest) -> Page[TicketComment]:
        """The ticket's comments, oldest first."""

    @abstractmethod
    async def activity(self, ticket_id: TicketId, page: PageRequest) -> Page[ActivityEntry]:
        """The ticket's history, oldest first."""


class SlaPolicies(Protocol):
    """The tenant's SLA policy (one per tenant)."""

    @abstractmethod
    async def get(self) -> SlaPolicy | None:
        """The tenant's own policy; ``None`` when it has not set one (the default applies)."""

    @abstractmethod
    async def put(self, policy: SlaPolicy, now: datetime) -> None: ...


class PatientDirectory(Protocol):
    """What tickets need to know of the tenant's patients."""

    @abstractmethod
    async def exists(self, patient_id: PatientId) -> bool: ...


class AssigneeDirectory(Protocol):
    """What tickets need to know of the tenant's users (assignees)."""

    @abstractmethod
    async def exists(self, user_id: UserId) -> bool:
        """A user of the tenant, active or not."""


class TenantTimeZone(Protocol):
    """The tenant's IANA time zone (business hours without a zone of their own use it)."""

    @abstractmethod
    async def time_zone(self) -> str: ...
