"""Fakes of the webhooks ports: one tenant's subscriptions and deliveries in dicts, a scripted sender."""

import copy
from collections.abc import Sequence
from datetime import timedelta
from uuid import UUID

from prm.application.shared.paging import Page, PageRequest
from prm.application.webhooks.ports import (
    DeliveryRepository,
    DestinationPolicy,
    Jitter,
    OutgoingMessage,
    SubscriptionRepository,
    WebhookSender,
)
from prm.domain.shared.errors import StaleVersion
from prm.domain.webhooks.delivery import AttemptOutcome, Delivery, DeliveryAttempt, DeliveryId
from prm.domain.webhooks.errors import UnsafeDestination
from prm.domain.webhooks.model import Subscription, SubscriptionId


def _copy(subscription: Subscription) -> Subscription:
    clone = copy.copy(subscription)
    clone.events = []
    return clone


class InMemorySubscriptions(SubscriptionRepository):
    def __init__(self) -> None:
        self.rows: dict[SubscriptionId, Subscription] = {}

    async def add(self, subscription: Subscription) -> None:
        self.rows[subscription.id] = _copy(subscription)

    async def get(self, subscription_id: SubscriptionId) -> Subscription | None:
        found = self.rows.get(subscription_id)
        return _copy(found) if found else None

    async def save(self, subscription: Subscription, *, expected_version: int) -> None:
        current = self.rows.get(subscription.id)
        if current is None or current.version != expected_version:
            raise StaleVersion("changed by someone else")
        saved = _copy(subscription)
        saved.consecutive_failures = current.consecutive_failures  # counted apart, as in SQL
        self.rows[subscription.id] = saved

    async def remove(self, subscription_id: SubscriptionId) -> None:
        self.rows.pop(subscription_id, None)

    async def list_page(self, page: PageRequest) -> Page[Subscription]:
        ordered = sorted(self.rows.values(), key=lambda s: s.id, reverse=True)
        return Page(
            [_copy(s) for s in ordered[page.offset : page.offset + page.page_size]],
            len(ordered),
            page.page,
            page.page_size,
        )

    async def active(self) -> Sequence[Subscription]:
        return [_copy(s) for s in sorted(self.rows.values(), key=lambda s: s.id) if s.is_active]

    async def count_failure(self, subscription_id: SubscriptionId) -> int:
        self.rows[subscription_id].consecutive_failures += 1
        return self.rows[subscription_id].consecutive_failures

    async def clear_failures(self, subscription_id: SubscriptionId) -> None:
        self.rows[subscription_id].consecutive_failures = 0


class InMemoryDeliveries(DeliveryRepository):
    def __init__(self) -> None:
        self.rows: dict[DeliveryId, Delivery] = {}
        self.attempts: list[DeliveryAttempt] = []

    async def add_many(self, deliveries: Sequence[Delivery]) -> None:
        for delivery in deliveries:
            self.rows[delivery.id] = copy.copy(delivery)

    async def get(self, delivery_id: DeliveryId) -> Delivery | None:
        found = self.rows.get(delivery_id)
        return copy.copy(found) if found else None

    async def given(self, event_ids: Sequence[UUID]) -> set[tuple[UUID, SubscriptionId]]:
        return {(d.event_id, d.subscription_id) for d in self.rows.values() if d.event_id in event_ids}

    async def save(self, delivery: Delivery, *, expected_version: int) -> None:
        current = self.rows.get(delivery.id)
        if current is None or current.version != expected_version:
            raise StaleVersion("changed meanwhile")
        self.rows[delivery.id] = copy.copy(delivery)

    async def add_attempt(self, attempt: DeliveryAttempt) -> None:
        self.attempts.append(attempt)

    async def of_subscription(self, subscription_id: SubscriptionId, page: PageRequest) -> Page[Delivery]:
        mine = sorted(
            (d for d in self.rows.values() if d.subscription_id == subscription_id), key=lambda d: d.id, reverse=True
        )
        return Page(mine[page.offset : page.offset + page.page_size], len(mine), page.page, page.page_size)

    async def attempts_of(self, delivery_id: DeliveryId) -> Sequence[DeliveryAttempt]:
        return sorted((a for a in self.attempts if a.delivery_id == delivery_id), key=lambda a: a.number)


class ScriptedSender(WebhookSender):
    """Answers each send with the next status of ``statuses`` (the last one repeats); keeps the messages."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses) or [200]
        self.sent: list[OutgoingMessage] = []

    async def send(self, message: OutgoingMessage) -> AttemptOutcome:
        status = self.statuses[min(len(self.sent), len(self.statuses) - 1)]
        self.sent.append(message)
        return AttemptOutcome(
            status_code=status, duration_ms=3, error=None if 200 <= status < 300 else f"answered HTTP {status}"
        )


class AllowingPolicy(DestinationPolicy):
    def __init__(self, *refused: str) -> None:
        self.refused = set(refused)
        self.checked: list[str] = []

    async def check(self, url: str) -> None:
        self.checked.append(url)
        if url in self.refused:
            raise UnsafeDestination("url must not lead to a private address")


class CeilingJitter(Jitter):
    """No randomness: always the longest wait."""

    def __call__(self, ceiling: timedelta) -> timedelta:
        return ceiling
