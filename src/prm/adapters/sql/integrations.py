"""SQL adapters of the integrations context's inbound events: the repository (aggregates) and the
finder (lists). Built with the caller's ``TenantId``, which is in every statement.

A batch's new events are handed to the unit of work and inserted at commit, in one statement
(PostgreSQL: ``COPY`` from 50 rows, a multi-row ``INSERT … unnest`` below), in the same round trip
as ``COMMIT``; a key another request stored meanwhile then surfaces as
``DuplicateIntegrationEvent`` (``constraints.CONSTRAINT_TO_ERROR``). Stored keys are found in one
query per source system of the batch.
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.integrations_tables import integration_events
from prm.adapters.sql.paging import fetch_page, fetch_tenant_page
from prm.adapters.sql.unit_of_work import SqlUnitOfWork
from prm.application.integrations.ports import (
    EventKey,
    IntegrationEventCriteria,
    IntegrationEventFinder,
    IntegrationEventRepository,
    IntegrationEventSummary,
)
from prm.application.shared.paging import Page, PageRequest
from prm.domain.integrations.ids import IntegrationEventId
from prm.domain.integrations.model import FailureReason, IntegrationEvent, IntegrationEventStatus
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PatientId, TenantId

_c = integration_events.c
_PROCESSING_COLUMNS = (
    "status",
    "attempts",
    "patient_id",
    "failure_reason",
    "failure_message",
    "processed_at",
    "version",
)
"""What changes after an event is received."""


def _to_row(event: IntegrationEvent) -> dict[str, Any]:
    return {
        "tenant_id": event.tenant_id,
        "id": event.id,
        "source_system": event.source_system,
        "event_code": event.event_code,
        "external_id": event.external_id,
        "encounter_id": event.encounter_id,
        "patient_identifier": event.patient_identifier,
        "occurred_at": event.occurred_at,
        "received_at": event.received_at,
        "payload": event.payload,
        "status": event.status.value,
        "attempts": event.attempts,
        "patient_id": event.patient_id,
        "failure_reason": event.failure_reason.value if event.failure_reason else None,
        "failure_message": event.failure_message,
        "processed_at": event.processed_at,
        "version": event.version,
    }


def _from_row(row: Any) -> IntegrationEvent:
    m = row._mapping
    return IntegrationEvent(
        id=IntegrationEventId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        source_system=m["source_system"],
        event_code=m["event_code"],
        external_id=m["external_id"],
        encounter_id=m["encounter_id"],
        patient_identifier=m["patient_identifier"],
        occurred_at=m["occurred_at"],
        received_at=m["received_at"],
        payload=m["payload"],
        status=IntegrationEventStatus(m["status"]),
        attempts=m["attempts"],
        patient_id=PatientId(m["patient_id"]) if m["patient_id"] else None,
        failure_reason=FailureReason(m["failure_reason"]) if m["failure_reason"] else None,
        failure_message=m["failure_message"],
        processed_at=m["processed_at"],
        version=m["version"],
    )


_SUMMARY_COLUMNS = tuple(c for c in integration_events.columns if c.name not in {"payload", "tenant_id", "version"})


def _summary(row: Any) -> IntegrationEventSummary:
    m = row._mapping
    return IntegrationEventSummary(
        id=IntegrationEventId(m["id"]),
        source_system=m["source_system"],
        event_code=m["event_code"],
        external_id=m["external_id"],
        encounter_id=m["encounter_id"],
        patient_identifier=m["patient_identifier"],
        patient_id=PatientId(m["patient_id"]) if m["patient_id"] else None,
        occurred_at=m["occurred_at"],
        received_at=m["received_at"],
        status=IntegrationEventStatus(m["status"]),
        attempts=m["attempts"],
        failure_reason=FailureReason(m["failure_reason"]) if m["failure_reason"] else None,
        failure_message=m["failure_message"],
        processed_at=m["processed_at"],
    )


# Built once: the compiled forms are reused without recomputing the statements' cache keys.
_BY_ID = sa.select(integration_events).where(_c.tenant_id == sa.bindparam("tenant_id"), _c.id == sa.bindparam("id"))
_BY_KEY = sa.select(integration_events).where(
    _c.tenant_id == sa.bindparam("tenant_id"),
    _c.source_system == sa.bindparam("source_system"),
    _c.external_id == sa.bindparam("external_id"),
)
_SAVE = (
    sa.update(integration_events)
    .where(
        _c.tenant_id == sa.bindparam("b_tenant_id"),
        _c.id == sa.bindparam("b_id"),
        _c.version == sa.bindparam("b_version"),
    )
    .values({name: sa.bindparam(name) for name in _PROCESSING_COLUMNS})
)
_ORDER = (_c.received_at.desc(), _c.id.desc())


class SqlIntegrationEvents(IntegrationEventRepository, IntegrationEventFinder):
    def __init__(self, connection: SqlConnection, uow: SqlUnitOfWork, tenant_id: TenantId) -> None:
        self._connection = connection
        self._uow = uow
        self._tenant_id = tenant_id

    async def find_existing(self, keys: Sequence[EventKey]) -> Mapping[EventKey, IntegrationEventId]:
        await self._connection.lock_for_writing()  # SQLite: BEGIN IMMEDIATE; PostgreSQL: the unique key decides
        by_source: dict[str, list[str]] = defaultdict(list)
        for source_system, external_id in dict.fromkeys(keys):
            by_source[source_system].append(external_id)
        found: dict[EventKey, IntegrationEventId] = {}
        for source_system, external_ids in by_source.items():
            query = sa.select(_c.external_id, _c.id).where(
                _c.tenant_id == self._tenant_id, _c.source_system == source_system, _c.external_id.in_(external_ids)
            )
            for row in (await self._connection.execute(query)).all():
                found[(source_system, row.external_id)] = IntegrationEventId(row.id)
        return found

    def add_many(self, events: Sequence[IntegrationEvent]) -> None:
        self._uow.defer_insert(integration_events, [_to_row(event) for event in events])

    async def get(self, event_id: IntegrationEventId) -> IntegrationEvent | None:
        row = (await self._connection.execute(_BY_ID, {"tenant_id": self._tenant_id, "id": event_id})).first()
        return _from_row(row) if row else None

    async def get_by_key(self, key: EventKey) -> IntegrationEvent | None:
        await self._connection.lock_for_writing()
        parameters = {"tenant_id": self._tenant_id, "source_system": key[0], "external_id": key[1]}
        row = (await self._connection.execute(_BY_KEY, parameters)).first()
        return _from_row(row) if row else None

    async def get_many(self, event_ids: Sequence[IntegrationEventId]) -> Sequence[IntegrationEvent]:
        if not event_ids:
            return []
        query = sa.select(integration_events).where(_c.tenant_id == self._tenant_id, _c.id.in_(list(event_ids)))
        return [_from_row(row) for row in (await self._connection.execute(query)).all()]

    async def save_many(self, events: Sequence[tuple[IntegrationEvent, int]]) -> None:
        if not events:
            return
        parameters = []
        for event, expected in events:
            row = _to_row(event)
            parameters.append(
                {
                    "b_tenant_id": self._tenant_id,
                    "b_id": event.id,
                    "b_version": expected,
                    **{name: row[name] for name in _PROCESSING_COLUMNS},
                }
            )
        result = await self._connection.execute(_SAVE, parameters[0] if len(parameters) == 1 else parameters)
        updated = result.rowcount if result.rowcount >= 0 else len(parameters)
        if updated != len(parameters):
            raise StaleVersion("an integration event was changed meanwhile: run the processing again")

    async def find(self, criteria: IntegrationEventCriteria, page: PageRequest) -> Page[IntegrationEventSummary]:
        where = self._where(criteria)
        if not where:
            return await fetch_tenant_page(
                self._connection, integration_events, self._tenant_id, _ORDER, page, _summary, _SUMMARY_COLUMNS
            )
        scoped = [_c.tenant_id == self._tenant_id, *where]
        return await fetch_page(self._connection, integration_events, scoped, _ORDER, page, _summary, _SUMMARY_COLUMNS)

    @staticmethod
    def _where(c: IntegrationEventCriteria) -> list[sa.ColumnElement[bool]]:
        where: list[sa.ColumnElement[bool]] = []
        if c.status is not None:
            where.append(_c.status == c.status.value)
        if c.source_system is not None:
            where.append(_c.source_system == c.source_system)
        if c.event_code is not None:
            where.append(_c.event_code == c.event_code)
        if c.encounter_id is not None:
            where.append(_c.encounter_id == c.encounter_id)
        if c.patient_identifier is not None:
            where.append(_c.patient_identifier == c.patient_identifier)
        if c.received_from is not None:
            where.append(_c.received_at >= c.received_from)
        if c.received_to is not None:
            where.append(_c.received_at < c.received_to)
        return where
