"""A subscription's delivery log."""

from dataclasses import dataclass, field

from prm.application.shared.paging import Page, PageRequest
from prm.application.webhooks.get_subscription import find_subscription
from prm.application.webhooks.ports import DeliveryRepository, SubscriptionRepository
from prm.domain.webhooks.delivery import Delivery
from prm.domain.webhooks.model import SubscriptionId


@dataclass(frozen=True, slots=True, kw_only=True)
class ListDeliveriesQuery:
    subscription_id: SubscriptionId
    page: PageRequest = field(default_factory=PageRequest)


class ListDeliveries:
    """A page of the subscription's deliveries, newest first, each with its last attempt. Raises
    ``SubscriptionNotFound`` (404)."""

    def __init__(self, subscriptions: SubscriptionRepository, deliveries: DeliveryRepository) -> None:
        self._subscriptions = subscriptions
        self._deliveries = deliveries

    async def __call__(self, query: ListDeliveriesQuery) -> Page[Delivery]:
        subscription = await find_subscription(self._subscriptions, query.subscription_id)
        return await self._deliveries.of_subscription(subscription.id, query.page)
