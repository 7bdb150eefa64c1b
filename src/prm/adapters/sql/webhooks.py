"""SQL adapters of the webhooks context: subscriptions, deliveries and attempts.

Both repositories are built with the caller's ``TenantId`` and put it in every statement.
"""

import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.paging import fetch_page, fetch_tenant_page
from prm.adapters.sql.webhooks_tables import webhook_deliveries, webhook_delivery_attempts, webhook_subscriptions
from prm.application.shared.paging import Page, PageRequest
from prm.application.webhooks.ports import DeliveryRepository, SubscriptionRepository
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import TenantId
from prm.domain.webhooks.delivery import Delivery, DeliveryAttempt, DeliveryId, DeliveryStatus
from prm.domain.webhooks.model import Subscription, SubscriptionId

_s = webhook_subscriptions
_d = webhook_deliveries
_a = webhook_delivery_attempts

_SAVED_SUBSCRIPTION_COLUMNS = (
    "url",
    "event_types",
    "description",
    "is_active",
    "secret",
    "previous_secret",
    "previous_secret_expires_at",
    "disabled_at",
    "disabled_reason",
    "version",
    "updated_at",
)


def _subscription_row(s: Subscription) -> dict[str, Any]:
    return {
        "tenant_id": s.tenant_id,
        "id": s.id,
        "url": s.url,
        "event_types": list(s.event_types),
        "description": s.description,
        "is_active": s.is_active,
        "secret": s.secret,
        "previous_secret": s.previous_secret,
        "previous_secret_expires_at": s.previous_secret_expires_at,
        "consecutive_failures": s.consecutive_failures,
        "disabled_at": s.disabled_at,
        "disabled_reason": s.disabled_reason,
        "version": s.version,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
    }


def _subscription(row: Any) -> Subscription:
    m = row._mapping
    return Subscription(
        id=SubscriptionId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        url=m["url"],
        event_types=tuple(m["event_types"]),
        description=m["description"],
        is_active=m["is_active"],
        secret=m["secret"],
        previous_secret=m["previous_secret"],
        previous_secret_expires_at=m["previous_secret_expires_at"],
        consecutive_failures=m["consecutive_failures"],
        disabled_at=m["disabled_at"],
        disabled_reason=m["disabled_reason"],
        version=m["version"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


_DELIVERY_FIELDS = (
    "subscription_id",
    "event_id",
    "event_type",
    "body",
    "attempts",
    "attempt_limit",
    "automatic",
    "last_status_code",
    "last_duration_ms",
    "last_error",
    "last_response_excerpt",
    "last_attempt_at",
    "next_attempt_at",
    "version",
    "created_at",
    "updated_at",
)


def _delivery_row(d: Delivery) -> dict[str, Any]:
    row = {name: getattr(d, name) for name in _DELIVERY_FIELDS}
    row.update(tenant_id=d.tenant_id, id=d.id, status=d.status.value, body=json.dumps(d.body, separators=(",", ":")))
    return row


def _delivery(row: Any) -> Delivery:
    m = row._mapping
    fields = {name: m[name] for name in _DELIVERY_FIELDS}
    fields.update(
        id=DeliveryId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        subscription_id=SubscriptionId(m["subscription_id"]),
        status=DeliveryStatus(m["status"]),
        body=json.loads(m["body"]),
    )
    return Delivery(**fields)


def _attempt(row: Any) -> DeliveryAttempt:
    m = row._mapping
    return DeliveryAttempt(
        id=m["id"],
        tenant_id=TenantId(m["tenant_id"]),
        delivery_id=DeliveryId(m["delivery_id"]),
        subscription_id=SubscriptionId(m["subscription_id"]),
        number=m["number"],
        attempted_at=m["attempted_at"],
        status_code=m["status_code"],
        duration_ms=m["duration_ms"],
        error=m["error"],
        response_excerpt=m["response_excerpt"],
    )


class SqlSubscriptionRepository(SubscriptionRepository):
    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def _mine(self, subscription_id: UUID) -> tuple[sa.ColumnElement[bool], ...]:
        return (_s.c.tenant_id == self._tenant_id, _s.c.id == subscription_id)

    async def add(self, subscription: Subscription) -> None:
        await self._connection.execute(sa.insert(_s), _subscription_row(subscription))

    async def get(self, subscription_id: SubscriptionId) -> Subscription | None:
        row = (await self._connection.execute(sa.select(_s).where(*self._mine(subscription_id)))).first()
        return _subscription(row) if row else None

    async def save(self, subscription: Subscription, *, expected_version: int) -> None:
        row = _subscription_row(subscription)
        statement = (
            sa.update(_s)
            .where(*self._mine(subscription.id), _s.c.version == expected_version)
            .values({name: row[name] for name in _SAVED_SUBSCRIPTION_COLUMNS})
        )
        if (await self._connection.execute(statement)).rowcount != 1:
            raise StaleVersion(f"webhook subscription {subscription.id} was changed by someone else")

    async def remove(self, subscription_id: SubscriptionId) -> None:
        tenant = self._tenant_id
        of_subscription = (_d.c.tenant_id == tenant, _d.c.subscription_id == subscription_id)
        deliveries = sa.select(_d.c.id).where(*of_subscription)
        await self._connection.execute(sa.delete(_a).where(_a.c.tenant_id == tenant, _a.c.delivery_id.in_(deliveries)))
        await self._connection.execute(sa.delete(_d).where(*of_subscription))
        await self._connection.execute(sa.delete(_s).where(*self._mine(subscription_id)))

    async def list_page(self, page: PageRequest) -> Page[Subscription]:
        return await fetch_tenant_page(self._connection, _s, self._tenant_id, [_s.c.id.desc()], page, _subscription)

    async def active(self) -> Sequence[Subscription]:
        rows = await self._connection.execute(
            sa.select(_s).where(_s.c.tenant_id == self._tenant_id, _s.c.is_active == sa.true()).order_by(_s.c.id)
        )
        return [_subscription(r) for r in rows]

    async def count_failure(self, subscription_id: SubscriptionId) -> int:
        statement = (
            sa.update(_s)
            .where(*self._mine(subscription_id))
            .values(consecutive_failures=_s.c.consecutive_failures + 1)
            .returning(_s.c.consecutive_failures)
        )
        return int((await self._connection.execute(statement)).scalar_one())

    async def clear_failures(self, subscription_id: SubscriptionId) -> None:
        await self._connection.execute(
            sa.update(_s)
            .where(*self._mine(subscription_id), _s.c.consecutive_failures > 0)
            .values(consecutive_failures=0)
        )


class SqlDeliveryRepository(DeliveryRepository):
    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def add_many(self, deliveries: Sequence[Delivery]) -> None:
        if deliveries:
            await self._connection.execute(sa.insert(_d), [_delivery_row(d) for d in deliveries])

    async def get(self, delivery_id: DeliveryId) -> Delivery | None:
        statement = sa.select(_d).where(_d.c.tenant_id == self._tenant_id, _d.c.id == delivery_id)
        row = (await self._connection.execute(statement)).first()
        return _delivery(row) if row else None

    async def given(self, event_ids: Sequence[UUID]) -> set[tuple[UUID, SubscriptionId]]:
        if not event_ids:
            return set()
        statement = sa.select(_d.c.event_id, _d.c.subscription_id).where(
            _d.c.tenant_id == self._tenant_id, _d.c.event_id.in_(list(event_ids))
        )
        return {(r[0], SubscriptionId(r[1])) for r in await self._connection.execute(statement)}

    async def save(self, delivery: Delivery, *, expected_version: int) -> None:
        row = _delivery_row(delivery)
        for key in ("tenant_id", "id", "subscription_id", "event_id", "event_type", "body", "created_at"):
            row.pop(key)
        statement = (
            sa.update(_d)
            .where(_d.c.tenant_id == self._tenant_id, _d.c.id == delivery.id, _d.c.version == expected_version)
            .values(row)
        )
        if (await self._connection.execute(statement)).rowcount != 1:
            raise StaleVersion(f"webhook delivery {delivery.id} was changed meanwhile")

    async def add_attempt(self, attempt: DeliveryAttempt) -> None:
        await self._connection.execute(
            sa.insert(_a),
            {
                "tenant_id": attempt.tenant_id,
                "delivery_id": attempt.delivery_id,
                "number": attempt.number,
                "id": attempt.id,
                "subscription_id": attempt.subscription_id,
                "attempted_at": attempt.attempted_at,
                "status_code": attempt.status_code,
                "duration_ms": attempt.duration_ms,
                "error": attempt.error,
                "response_excerpt": attempt.response_excerpt,
            },
        )

    async def of_subscription(self, subscription_id: SubscriptionId, page: PageRequest) -> Page[Delivery]:
        where = [_d.c.tenant_id == self._tenant_id, _d.c.subscription_id == subscription_id]
        return await fetch_page(self._connection, _d, where, [_d.c.id.desc()], page, _delivery)

    async def attempts_of(self, delivery_id: DeliveryId) -> Sequence[DeliveryAttempt]:
        statement = (
            sa.select(_a)
            .where(_a.c.tenant_id == self._tenant_id, _a.c.delivery_id == delivery_id)
            .order_by(_a.c.number)
        )
        return [_attempt(r) for r in await self._connection.execute(statement)]
