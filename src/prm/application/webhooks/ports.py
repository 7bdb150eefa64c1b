"""Ports of the webhooks context. Repositories are tenant-scoped: they only ever see the rows of
the tenant they were built for."""

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from prm.application.shared.paging import Page, PageRequest
from prm.domain.webhooks.delivery import AttemptOutcome, Delivery, DeliveryAttempt, DeliveryId
from prm.domain.webhooks.model import Subscription, SubscriptionId

DELIVER_TASK = "webhooks.deliver"
"""The job that makes one attempt of a delivery: args ``{"delivery_id": str, "attempt": int}``."""


class SubscriptionRepository(Protocol):
    """The tenant's webhook subscriptions, as aggregates (secrets included: never log them)."""

    @abstractmethod
    async def add(self, subscription: Subscription) -> None: ...

    @abstractmethod
    async def get(self, subscription_id: SubscriptionId) -> Subscription | None: ...

    @abstractmethod
    async def save(self, subscription: Subscription, *, expected_version: int) -> None:
        """Update everything but ``consecutive_failures`` if the row is still at
        ``expected_version``; raises ``StaleVersion`` otherwise."""

    @abstractmethod
    async def remove(self, subscription_id: SubscriptionId) -> None:
        """Delete the subscription with its deliveries and their attempts."""

    @abstractmethod
    async def list_page(self, page: PageRequest) -> Page[Subscription]:
        """Newest first."""

    @abstractmethod
    async def active(self) -> Sequence[Subscription]:
        """Every active subscription of the tenant (fan-out reads them for each event)."""

    @abstractmethod
    async def count_failure(self, subscription_id: SubscriptionId) -> int:
        """Add one to the run of deliveries that failed for good, atomically; returns the new run."""

    @abstractmethod
    async def clear_failures(self, subscription_id: SubscriptionId) -> None:
        """End the run of failed deliveries (a success, or re-activation)."""


class DeliveryRepository(Protocol):
    """The tenant's webhook deliveries and their attempts."""

    @abstractmethod
    async def add_many(self, deliveries: Sequence[Delivery]) -> None: ...

    @abstractmethod
    async def get(self, delivery_id: DeliveryId) -> Delivery | None: ...

    @abstractmethod
    async def given(self, event_ids: Sequence[UUID]) -> set[tuple[UUID, SubscriptionId]]:
        """``(event id, subscription id)`` of the deliveries of these events there are already
        (fan-out makes one per pair)."""

    @abstractmethod
    async def save(self, delivery: Delivery, *, expected_version: int) -> None:
        """Update the row if it is still at ``expected_version``; raises ``StaleVersion`` otherwise."""

    @abstractmethod
    async def add_attempt(self, attempt: DeliveryAttempt) -> None: ...

    @abstractmethod
    async def of_subscription(self, subscription_id: SubscriptionId, page: PageRequest) -> Page[Delivery]:
        """The subscription's deliveries, newest first."""

    @abstractmethod
    async def attempts_of(self, delivery_id: DeliveryId) -> Sequence[DeliveryAttempt]:
        """The delivery's attempts, first first."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OutgoingMessage:
    """One POST to make: ``body`` (a JSON document) to ``url``, with ``webhook-id`` ``message_id``,
    ``webhook-timestamp`` ``timestamp`` (UTC, whole seconds on the wire) and one ``v1`` signature
    per secret of ``secrets`` in ``webhook-signature``."""

    url: str
    message_id: str
    timestamp: datetime
    body: Mapping[str, Any]
    secrets: tuple[str, ...]


class WebhookSender(Protocol):
    """Signs and POSTs a message (Standard Webhooks); never raises for what the destination does."""

    @abstractmethod
    async def send(self, message: OutgoingMessage) -> AttemptOutcome:
        """POST ``message`` once, without following redirects, within a few seconds. A destination
        the :class:`DestinationPolicy` refuses at sending time is a failed outcome, without
        connecting."""


class DestinationPolicy(Protocol):
    """Which URLs webhooks may be sent to (``https`` only in production; no private addresses
    unless ``PRM_WEBHOOK_ALLOW_PRIVATE``)."""

    @abstractmethod
    async def check(self, url: str) -> None:
        """Raises ``UnsafeDestination`` (422, field ``url``) for a URL that is not allowed, after
        resolving its host."""


class Jitter(Protocol):
    """Draws the wait before a retry, between zero and ``ceiling`` (full jitter)."""

    @abstractmethod
    def __call__(self, ceiling: timedelta) -> timedelta: ...
