"""Fakes of the integrations context's ports (behaving as the SQL adapters do)."""

import copy
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from prm.application.integrations.ports import (
    EventKey,
    InboundEvent,
    IngestionCounter,
    IntegrationConfigRepository,
    IntegrationEventCriteria,
    IntegrationEventFinder,
    IntegrationEventRepository,
    IntegrationEventSubscriber,
    IntegrationEventSubscribers,
    IntegrationEventSummary,
    PatientDirectory,
)
from prm.application.shared.paging import Page, PageRequest
from prm.domain.integrations.config import IntegrationConfig
from prm.domain.integrations.errors import DuplicateSourceSystem
from prm.domain.integrations.ids import IntegrationConfigId, IntegrationEventId
from prm.domain.integrations.model import IntegrationEvent
from prm.domain.shared.errors import DomainError, StaleVersion
from prm.domain.shared.ids import PatientId
from tests.fakes import FakeUnitOfWork


def _copy(event: IntegrationEvent) -> IntegrationEvent:
    return replace(event, events=[], payload=copy.deepcopy(dict(event.payload)))


class InMemoryIntegrationEvents(IntegrationEventRepository, IntegrationEventFinder):
    """Added events become visible at ``commit`` (as the deferred rows of the unit of work)."""

    def __init__(self) -> None:
        self.rows: dict[IntegrationEventId, IntegrationEvent] = {}
        self.pending: list[IntegrationEvent] = []

    def commit(self) -> None:
        for event in self.pending:
            self.rows[event.id] = _copy(event)
        self.pending = []

    async def find_existing(self, keys: Sequence[EventKey]) -> Mapping[EventKey, IntegrationEventId]:
        wanted = set(keys)
        return {e.key: e.id for e in self.rows.values() if e.key in wanted}

    def add_many(self, events: Sequence[IntegrationEvent]) -> None:
        self.pending.extend(events)

    async def get(self, event_id: IntegrationEventId) -> IntegrationEvent | None:
        found = self.rows.get(event_id)
        return _copy(found) if found else None

    async def get_by_key(self, key: EventKey) -> IntegrationEvent | None:
        return next((_copy(e) for e in self.rows.values() if e.key == key), None)

    async def get_many(self, event_ids: Sequence[IntegrationEventId]) -> Sequence[IntegrationEvent]:
        return [_copy(self.rows[i]) for i in event_ids if i in self.rows]

    async def save_many(self, events: Sequence[tuple[IntegrationEvent, int]]) -> None:
        for event, expected in events:
            if self.rows[event.id].version != expected:
                raise StaleVersion("changed meanwhile")
        for event, _ in events:
            self.rows[event.id] = _copy(event)

    async def find(self, criteria: IntegrationEventCriteria, page: PageRequest) -> Page[IntegrationEventSummary]:
        c = criteria
        matches = [
            e
            for e in self.rows.values()
            if (c.status is None or e.status is c.status)
            and (c.source_system is None or e.source_system == c.source_system)
            and (c.event_code is None or e.event_code == c.event_code)
            and (c.encounter_id is None or e.encounter_id == c.encounter_id)
            and (c.patient_identifier is None or e.patient_identifier == c.patient_identifier)
            and (c.received_from is None or e.received_at >= c.received_from)
            and (c.received_to is None or e.received_at < c.received_to)
        ]
        matches.sort(key=lambda e: (e.received_at, e.id), reverse=True)
        shown = matches[page.offset : page.offset + page.page_size]
        return Page([IntegrationEventSummary.of(e) for e in shown], len(matches), page.page, page.page_size)


class InMemoryConfigs(IntegrationConfigRepository):
    def __init__(self, *configs: IntegrationConfig) -> None:
        self.rows: dict[IntegrationConfigId, IntegrationConfig] = {c.id: c for c in configs}

    async def add(self, config: IntegrationConfig) -> None:
        if any(c.source_system == config.source_system for c in self.rows.values()):
            raise DuplicateSourceSystem("taken")
        self.rows[config.id] = replace(config)

    async def get(self, config_id: IntegrationConfigId) -> IntegrationConfig | None:
        found = self.rows.get(config_id)
        return replace(found) if found else None

    async def get_by_source_system(self, source_system: str) -> IntegrationConfig | None:
        return next((replace(c) for c in self.rows.values() if c.source_system == source_system), None)

    async def save(self, config: IntegrationConfig, *, expected_version: int) -> None:
        if self.rows[config.id].version != expected_version:
            raise StaleVersion("changed meanwhile")
        self.rows[config.id] = replace(config)

    async def remove(self, config: IntegrationConfig) -> None:
        if self.rows[config.id].version != config.version:
            raise StaleVersion("changed meanwhile")
        del self.rows[config.id]

    async def find(self, page: PageRequest) -> Page[IntegrationConfig]:
        ordered = sorted(self.rows.values(), key=lambda c: (c.source_system, c.id))
        return Page(ordered[page.offset : page.offset + page.page_size], len(ordered), page.page, page.page_size)

    async def rate_limits(self, source_systems: Sequence[str]) -> Mapping[str, int]:
        wanted = set(source_systems)
        return {
            c.source_system: c.rate_limit_per_hour
            for c in self.rows.values()
            if c.is_active and c.source_system in wanted
        }


class InMemoryCounter(IngestionCounter):
    def __init__(self) -> None:
        self.windows: dict[tuple[str, datetime], int] = {}

    async def add(self, window_start: datetime, counts: Mapping[str, int]) -> Mapping[str, int]:
        totals = {}
        for source, n in counts.items():
            key = (source, window_start)
            self.windows[key] = self.windows.get(key, 0) + n
            totals[source] = self.windows[key]
        return totals


class FakePatientDirectory(PatientDirectory):
    def __init__(self, known: Mapping[str, Sequence[PatientId]]) -> None:
        self.known = dict(known)
        self.calls: list[tuple[str, ...]] = []

    async def resolve(self, identifiers: Sequence[str]) -> Mapping[str, Sequence[PatientId]]:
        self.calls.append(tuple(identifiers))
        return {i: tuple(self.known.get(i, ()))[:2] for i in identifiers}


class RecordingSubscriber(IntegrationEventSubscriber):
    def __init__(self, refuse: DomainError | None = None) -> None:
        self.seen: list[InboundEvent] = []
        self.refuse = refuse

    async def __call__(self, event: InboundEvent) -> None:
        if self.refuse is not None:
            raise self.refuse
        self.seen.append(event)


class StaticSubscribers(IntegrationEventSubscribers):
    def __init__(self, by_code: Mapping[str, Sequence[IntegrationEventSubscriber]] | None = None) -> None:
        self.by_code = dict(by_code or {})

    async def for_code(self, event_code: str) -> Sequence[IntegrationEventSubscriber]:
        return list(self.by_code.get(event_code, ()))


class EventsUnitOfWork(FakeUnitOfWork):
    """Counts commits and makes the events added in the unit visible, as the SQL unit's deferred rows."""

    def __init__(self, events: InMemoryIntegrationEvents) -> None:
        super().__init__()
        self._events = events

    async def commit(self) -> None:
        await super().commit()
        self._events.commit()
