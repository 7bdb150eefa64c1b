"""Ports of a patient's timeline (``GET /patients/{id}/timeline``; issue 13): every event about
the patient, newest first, from one :class:`TimelineSource` per context.

The order is total: by time, then event name, then id, all descending (:attr:`TimelineEntry.key`).
A page ends at a :class:`TimelinePosition` (the cursor) and the next page holds exactly the
entries after it in that order, so that pages never repeat nor skip an entry while entries are
added at the top.
"""

import base64
import binascii
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.ids import PatientId


class TimelineKind(StrEnum):
    """Which part of the record an entry comes from (the ``kind=`` filter)."""

    APPOINTMENT = "appointment"
    JOURNEY = "journey"
    MESSAGE = "message"
    TICKET = "ticket"
    SURVEY = "survey"
    MERGE = "merge"


@dataclass(frozen=True, slots=True)
class TimelinePosition:
    """A place in the timeline: an entry's ``(at, event, id)``. :meth:`encode` makes it an opaque
    URL-safe cursor; :meth:`decode` reads one back (``RuleViolated`` on ``cursor`` otherwise)."""

    at: datetime
    event: str
    id: UUID

    @property
    def key(self) -> tuple[datetime, str, UUID]:
        return (self.at, self.event, self.id)

    def encode(self) -> str:
        text = f"{self.at.astimezone(UTC).isoformat()}|{self.event}|{self.id}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> "TimelinePosition":
        try:
            text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            at, event, entry_id = text.split("|")
            position = cls(datetime.fromisoformat(at), event, UUID(entry_id))
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise RuleViolated("cursor is not one this list gave", field="cursor") from exc
        if position.at.tzinfo is None:
            raise RuleViolated("cursor is not one this list gave", field="cursor")
        return cls(position.at.astimezone(UTC), position.event, position.id)


@dataclass(frozen=True, slots=True, kw_only=True)
class TimelineEntry:
    """One event about the patient at ``at`` (UTC). ``event`` is ``<kind>.<what happened>``
    (``appointment.booked``, ``message.inbound``, ...); ``id`` is the thing it is about (the
    appointment, message, ticket activity, stage, survey response, merge), ``ref_id`` what that
    belongs to when it says more (a stage's journey instance, a ticket change's ticket),
    ``ref_at`` a time it names (an appointment's start). ``details`` hold short codes, never
    bodies or other free text but titles and names of stages."""

    at: datetime
    kind: TimelineKind
    event: str
    id: UUID
    ref_id: UUID | None = None
    ref_at: datetime | None = None
    details: Mapping[str, str | None] = field(default_factory=dict)

    @property
    def position(self) -> TimelinePosition:
        return TimelinePosition(self.at, self.event, self.id)

    @property
    def key(self) -> tuple[datetime, str, UUID]:
        return (self.at, self.event, self.id)


class TimelineSource(Protocol):
    """One context's events about a patient (tenant-scoped, read-only)."""

    kind: TimelineKind

    @abstractmethod
    async def before(
        self, patient_id: PatientId, position: TimelinePosition | None, limit: int
    ) -> Sequence[TimelineEntry]:
        """At most ``limit`` of the patient's entries that come after ``position`` in timeline
        order (all when ``None``), newest first by :attr:`TimelineEntry.key`; one statement."""
