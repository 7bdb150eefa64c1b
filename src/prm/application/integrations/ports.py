"""Ports of the integrations context. Every implementation is tenant-scoped: it only ever sees the
rows of the tenant it was built for."""

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from prm.application.shared.paging import Page, PageRequest
from prm.domain.integrations.config import IntegrationConfig
from prm.domain.integrations.ids import IntegrationConfigId, IntegrationEventId
from prm.domain.integrations.model import FailureReason, IntegrationEvent, IntegrationEventStatus
from prm.domain.shared.ids import PatientId

EventKey = tuple[str, str]
"""``(source_system, external_id)``: what identifies an inbound event per tenant."""


class IntegrationEventRepository(Protocol):
    """The inbound events of one tenant, as aggregates."""

    @abstractmethod
    async def find_existing(self, keys: Sequence[EventKey]) -> Mapping[EventKey, IntegrationEventId]:
        """The ids of the stored events among ``keys`` (one query). Called before a batch is added:
        it also takes the database's write lock where there is a single one (SQLite), so that the
        check and the insert do not interleave with another writer's."""

    @abstractmethod
    def add_many(self, events: Sequence[IntegrationEvent]) -> None:
        """Insert ``events`` when the unit of work commits, in one statement; a key stored by
        another request meanwhile makes the commit raise ``DuplicateIntegrationEvent`` (409)."""

    @abstractmethod
    async def get(self, event_id: IntegrationEventId) -> IntegrationEvent | None: ...

    @abstractmethod
    async def get_by_key(self, key: EventKey) -> IntegrationEvent | None:
        """The stored event with this key; the check before an insert, so it takes the write lock
        as :meth:`find_existing` does."""

    @abstractmethod
    async def get_many(self, event_ids: Sequence[IntegrationEventId]) -> Sequence[IntegrationEvent]:
        """The events among ``event_ids`` that exist (one query), in no particular order."""

    @abstractmethod
    async def save_many(self, events: Sequence[tuple[IntegrationEvent, int]]) -> None:
        """Update each ``(event, expected_version)`` if still at that version (one statement);
        raises ``StaleVersion`` if any moved."""


@dataclass(frozen=True, slots=True, kw_only=True)
class IntegrationEventCriteria:
    """Filters that must all hold; ``received_from`` inclusive, ``received_to`` exclusive (UTC)."""

    status: IntegrationEventStatus | None = None
    source_system: str | None = None
    event_code: str | None = None
    encounter_id: str | None = None
    patient_identifier: str | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IntegrationEventSummary:
    """What a list shows of an inbound event: everything but its ``payload``."""

    id: IntegrationEventId
    source_system: str
    event_code: str
    external_id: str
    encounter_id: str | None
    patient_identifier: str
    patient_id: PatientId | None
    occurred_at: datetime
    received_at: datetime
    status: IntegrationEventStatus
    attempts: int
    failure_reason: FailureReason | None
    failure_message: str | None
    processed_at: datetime | None

    @classmethod
    def of(cls, event: IntegrationEvent) -> "IntegrationEventSummary":
        return cls(
            id=event.id,
            source_system=event.source_system,
            event_code=event.event_code,
            external_id=event.external_id,
            encounter_id=event.encounter_id,
            patient_identifier=event.patient_identifier,
            patient_id=event.patient_id,
            occurred_at=event.occurred_at,
            received_at=event.received_at,
            status=event.status,
            attempts=event.attempts,
            failure_reason=event.failure_reason,
            failure_message=event.failure_message,
            processed_at=event.processed_at,
        )


class IntegrationEventFinder(Protocol):
    """Read side: lists of one tenant's inbound events."""

    @abstractmethod
    async def find(self, criteria: IntegrationEventCriteria, page: PageRequest) -> Page[IntegrationEventSummary]:
        """Matching events, newest received first (then by id, newest first)."""


class IntegrationConfigRepository(Protocol):
    """The integration configurations of one tenant."""

    @abstractmethod
    async def add(self, config: IntegrationConfig) -> None:
        """Insert; raises ``DuplicateSourceSystem`` when the tenant has one for the system."""

    @abstractmethod
    async def get(self, config_id: IntegrationConfigId) -> IntegrationConfig | None: ...

    @abstractmethod
    async def get_by_source_system(self, source_system: str) -> IntegrationConfig | None: ...

    @abstractmethod
    async def save(self, config: IntegrationConfig, *, expected_version: int) -> None:
        """Update if still at ``expected_version``; raises ``StaleVersion`` otherwise and
        ``DuplicateSourceSystem`` when the new system is taken."""

    @abstractmethod
    async def remove(self, config: IntegrationConfig) -> None:
        """Delete for good if still at ``config.version``; raises ``StaleVersion`` otherwise."""

    @abstractmethod
    async def find(self, page: PageRequest) -> Page[IntegrationConfig]:
        """A page of the tenant's configurations, by source system."""

    @abstractmethod
    async def rate_limits(self, source_systems: Sequence[str]) -> Mapping[str, int]:
        """``rate_limit_per_hour`` of the *active* configurations among ``source_systems`` (one query)."""


class IngestionCounter(Protocol):
    """Events received per source system and fixed window, counted in the database (so that the
    limit holds across server processes), inside the caller's unit of work: a request that is
    refused or rolled back counts nothing."""

    @abstractmethod
    async def add(self, window_start: datetime, counts: Mapping[str, int]) -> Mapping[str, int]:
        """Add ``counts`` (events per source system) to the window that starts at
        ``window_start``; returns each system's count in that window, these included. Waits
        for concurrent requests of the same systems to end (a row lock until commit)."""


class PatientDirectory(Protocol):
    """Only what integrations needs to know of patients: who an identifier names."""

    @abstractmethod
    async def resolve(self, identifiers: Sequence[str]) -> Mapping[str, Sequence[PatientId]]:
        """For each identifier (an MRN or ``system|value``), the patients it names, at most two
        (enough to tell an ambiguous one); an identifier that names nobody maps to ``()``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class InboundEvent:
    """What a subscriber gets: the event as received, with its patient resolved (``payload`` is
    the sender's JSON object, unchanged)."""

    id: IntegrationEventId
    source_system: str
    event_code: str
    external_id: str
    encounter_id: str | None
    patient_id: PatientId
    occurred_at: datetime
    received_at: datetime
    payload: Mapping[str, Any]


class IntegrationEventSubscriber(Protocol):
    """Reacts to inbound events of the codes it subscribed to (a journey advancing on
    ``OPD_VISIT_COMPLETED`` ...).

    It runs inside the processing unit of work: what it writes commits together with the
    event's new status, and must not commit itself. It may run more than once for one event
    (a job retried after a crash), so its effect must be idempotent. Raising a ``DomainError``
    fails the event (``subscriber_rejected``, with the error's code and detail as message), so a
    subscriber refuses before it writes anything; any other exception rolls the processing back,
    for the job engine to retry it later. ``StaleVersion`` (a concurrent change met) calls it again,
    reading afresh, a few times before the event fails.

    It returns ``False`` when the event applied to nothing of its context (no journey waits for
    it); ``None`` or ``True`` means it took the event. An event that no subscriber took is
    ``ignored``, not ``processed``.
    """

    @abstractmethod
    async def __call__(self, event: InboundEvent) -> bool | None: ...

    async def expect(self, patient_ids: Sequence[PatientId]) -> None:
        """Called once before a batch of events of its codes with the patients they concern, so
        that it may read what it needs for all of them at once (in the same unit of work, which
        it must not commit). The default reads nothing."""
        return None  # noqa: RET501 - a body that is not empty: mypy would take an empty one for abstract


class IntegrationEventSubscribers(Protocol):
    """The registry of subscribers by event code (empty until a context subscribes)."""

    @abstractmethod
    async def for_code(self, event_code: str) -> Sequence[IntegrationEventSubscriber]:
        """The subscribers of ``event_code``, in the order they run (none: the event is ignored)."""
