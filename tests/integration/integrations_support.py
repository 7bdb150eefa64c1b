"""Helpers of the integrations API tests: event bodies, a recording subscriber, and running the
processing jobs the way the job engine does (a REQUEST scope of the event's tenant, the system
principal)."""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from dishka import Provider, Scope, provide

from prm.adapters.sql.connection import SqlDatabase
from prm.adapters.sql.outbox_tables import outbox
from prm.application.integrations.ports import InboundEvent, IntegrationEventSubscriber
from prm.application.shared.jobs import JobHandler
from prm.entrypoints.library import Prm
from prm.ioc.integrations import SubscriberRegistry
from prm.ioc.jobs import JOB_HANDLERS
from prm.settings import Settings
from tests.auth import CheapHashing

EVENTS = "/api/v1/prm/integrations/events"
CONFIGS = "/api/v1/prm/integrations/configs"
SUBSCRIBED_CODE = "OPD_VISIT_COMPLETED"


def event_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "source_system": "his",
        "event_code": "LAB_ORDER_COMPLETED",
        "external_id": f"EXT-{uuid4().hex}",
        "encounter_id": "ENC20251214001",
        "patient_identifier": "MRN123456",
        "occurred_at": datetime(2026, 3, 10, 10, 45, tzinfo=UTC).isoformat(),
        "payload": {"department_code": "DEPT_OPD", "visit_date": "2025-12-14"},
    }
    body.update(overrides)
    return body


class Seen(list[InboundEvent]):
    """What the recording subscriber was handed (APP scope: one list per container)."""


class RecordingSubscriber(IntegrationEventSubscriber):
    def __init__(self, seen: Seen) -> None:
        self._seen = seen

    async def __call__(self, event: InboundEvent) -> None:
        self._seen.append(event)


class Subscribed(Provider):
    """Registers :class:`RecordingSubscriber` for :data:`SUBSCRIBED_CODE`."""

    def __init__(self, seen: Seen) -> None:
        super().__init__()
        self._seen = seen

    @provide(scope=Scope.APP, override=True)
    def registry(self) -> SubscriberRegistry:
        return SubscriberRegistry({SUBSCRIBED_CODE: (RecordingSubscriber,)})

    @provide(scope=Scope.APP)
    def seen(self) -> Seen:
        return self._seen

    subscriber = provide(RecordingSubscriber, scope=Scope.REQUEST)


async def run_job(
    settings: Settings, tenant_id: UUID, task: str, args: Mapping[str, Any], providers: Sequence[Provider] = ()
) -> None:
    """Run ``task``'s registered handler once, as the job engine would."""
    async with (
        Prm.open(settings, tenant_id=tenant_id, providers=(CheapHashing(), *providers)) as prm,
        prm.unit() as unit,
    ):
        handler: JobHandler = await unit.get(JOB_HANDLERS[task])
        await handler(args)


async def outbox_types(settings: Settings, tenant_id: UUID, aggregate: UUID) -> list[tuple[str, dict[str, Any]]]:
    """``(event_type, payload)`` of the outbox rows of ``aggregate``, in order."""
    async with Prm.open(settings, tenant_id=tenant_id, providers=(CheapHashing(),)) as prm:
        database = await prm.get(SqlDatabase)  # type: ignore[type-abstract]
        async with database.connect(tenant_id) as connection:
            query = (
                sa.select(outbox.c.event_type, outbox.c.payload)
                .where(outbox.c.tenant_id == tenant_id, outbox.c.aggregate_id == aggregate)
                .order_by(outbox.c.id)
            )
            return [(row.event_type, dict(row.payload)) for row in (await connection.execute(query)).all()]
