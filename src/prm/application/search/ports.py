"""Ports of the cross-entity search (``GET /search``; issue 13, after MediKeep's ``/search``).

Each searchable context answers through a :class:`SearchSource` built over its own read ports
(never its tables). A source is tenant-scoped like the ports under it.
"""

from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

MIN_QUERY_LENGTH = 2
MAX_QUERY_LENGTH = 200
MAX_PER_KIND = 20
DEFAULT_PER_KIND = 5


class SearchKind(StrEnum):
    """What the search looks through, in the order the answer groups them; each is the
    permission resource its group needs (``<kind>:read``)."""

    PATIENTS = "patients"
    PRACTITIONERS = "practitioners"
    APPOINTMENTS = "appointments"
    TICKETS = "tickets"
    COMMUNICATIONS = "communications"


AUDIT_ENTITY: dict[SearchKind, str] = {
    SearchKind.PATIENTS: "patient",
    SearchKind.PRACTITIONERS: "practitioner",
    SearchKind.APPOINTMENTS: "appointment",
    SearchKind.TICKETS: "ticket",
    SearchKind.COMMUNICATIONS: "communication",
}
"""The audit trail's entity type of each kind (as its own context records it)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchHit:
    """One thing found: its ``id``, a ``title`` and ``subtitle`` to show (a name and MRN, a
    time and status, a subject ...), the patient it is about (``None`` for a practitioner or a
    message to no patient) and its time when it has one (UTC)."""

    id: UUID
    title: str
    subtitle: str | None = None
    patient_id: UUID | None = None
    at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchText:
    """What was typed, trimmed; ``as_id`` when it is a UUID (then each source also looks the id up)."""

    text: str
    as_id: UUID | None
    region: str
    """The tenant's phone region (ISO 3166-1 alpha-2) for phone numbers typed without a country code."""


class SearchSource(Protocol):
    """One context's part of the search."""

    kind: SearchKind

    @abstractmethod
    async def search(self, query: SearchText, limit: int) -> Sequence[SearchHit]:
        """At most ``limit`` hits, best first (see each adapter for what matches)."""
