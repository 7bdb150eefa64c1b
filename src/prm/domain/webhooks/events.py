"""Domain events of the webhooks context (ids, field names and codes only: never URLs or secrets).

They fan out to webhooks only to subscriptions that name them (``webhook.*``), see
:mod:`prm.domain.webhooks.patterns`.
"""

from dataclasses import dataclass
from typing import ClassVar
from uuid import UUID

from prm.domain.shared.events import catalogue


@dataclass(frozen=True, slots=True)
class SubscriptionCreated:
    TYPE: ClassVar[str] = "webhook.subscription_created"
    VERSION: ClassVar[int] = 1

    subscription_id: UUID
    is_active: bool


@dataclass(frozen=True, slots=True)
class SubscriptionUpdated:
    TYPE: ClassVar[str] = "webhook.subscription_updated"
    VERSION: ClassVar[int] = 1

    subscription_id: UUID
    changed_fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SubscriptionSecretRotated:
    TYPE: ClassVar[str] = "webhook.subscription_secret_rotated"
    VERSION: ClassVar[int] = 1

    subscription_id: UUID


@dataclass(frozen=True, slots=True)
class SubscriptionDisabled:
    """Disabled by PRM after a run of failed deliveries (``reason`` ``consecutive_failures``)."""

    TYPE: ClassVar[str] = "webhook.subscription_disabled"
    VERSION: ClassVar[int] = 1

    subscription_id: UUID
    reason: str
    consecutive_failures: int


@dataclass(frozen=True, slots=True)
class SubscriptionDeleted:
    TYPE: ClassVar[str] = "webhook.subscription_deleted"
    VERSION: ClassVar[int] = 1

    subscription_id: UUID


CATALOGUE = catalogue(
    SubscriptionCreated,
    SubscriptionUpdated,
    SubscriptionSecretRotated,
    SubscriptionDisabled,
    SubscriptionDeleted,
)
"""What this context publishes, by ``TYPE``."""

PING = "webhook.ping"
"""The ``type`` of a test delivery (``POST /webhooks/subscriptions/{id}/ping``): a message, not a domain event."""
