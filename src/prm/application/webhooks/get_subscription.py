"""One webhook subscription of the tenant's."""

from prm.application.webhooks.ports import SubscriptionRepository
from prm.domain.webhooks.errors import SubscriptionNotFound
from prm.domain.webhooks.model import Subscription, SubscriptionId


async def find_subscription(subscriptions: SubscriptionRepository, subscription_id: SubscriptionId) -> Subscription:
    """The subscription; raises :class:`SubscriptionNotFound` (404, also for another tenant's id)."""
    subscription = await subscriptions.get(subscription_id)
    if subscription is None:
        raise SubscriptionNotFound(f"webhook subscription {subscription_id} not found")
    return subscription


class GetSubscription:
    """The subscription (its secret too: entrypoints never show it). Raises ``SubscriptionNotFound`` (404)."""

    def __init__(self, subscriptions: SubscriptionRepository) -> None:
        self._subscriptions = subscriptions

    async def __call__(self, subscription_id: SubscriptionId) -> Subscription:
        return await find_subscription(self._subscriptions, subscription_id)
