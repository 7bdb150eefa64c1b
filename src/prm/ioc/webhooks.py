"""Webhooks context wiring: SQL repositories, the destination policy and the httpx sender, the use
cases, the fan-out event handler and the delivery job handler."""

from collections.abc import AsyncIterator

from dishka import Provider, Scope, alias, provide, provide_all

from prm.adapters.sql.webhooks import SqlDeliveryRepository, SqlSubscriptionRepository
from prm.adapters.webhooks.destinations import NetworkDestinationPolicy
from prm.adapters.webhooks.jitter import FullJitter
from prm.adapters.webhooks.sender import HttpxWebhookSender
from prm.application.webhooks.create_subscription import CreateSubscription
from prm.application.webhooks.delete_subscription import DeleteSubscription
from prm.application.webhooks.deliver_webhook import DeliverWebhook
from prm.application.webhooks.fan_out_to_webhooks import FanOutToWebhooks
from prm.application.webhooks.get_delivery import GetDelivery
from prm.application.webhooks.get_subscription import GetSubscription
from prm.application.webhooks.list_deliveries import ListDeliveries
from prm.application.webhooks.list_subscriptions import ListSubscriptions
from prm.application.webhooks.ping_subscription import PingSubscription
from prm.application.webhooks.ports import (
    DeliveryRepository,
    DestinationPolicy,
    Jitter,
    SubscriptionRepository,
    WebhookSender,
)
from prm.application.webhooks.retry_delivery import RetryDelivery
from prm.application.webhooks.rotate_secret import RotateSecret
from prm.application.webhooks.update_subscription import UpdateSubscription


class WebhooksProvider(Provider):
    scope = Scope.REQUEST
    subscriptions = provide(SqlSubscriptionRepository, provides=SubscriptionRepository)
    deliveries = provide(SqlDeliveryRepository, provides=DeliveryRepository)
    network_policy = provide(NetworkDestinationPolicy, scope=Scope.APP)
    policy = alias(source=NetworkDestinationPolicy, provides=DestinationPolicy)
    jitter = provide(FullJitter, provides=Jitter, scope=Scope.APP)
    use_cases = provide_all(
        CreateSubscription,
        ListSubscriptions,
        GetSubscription,
        UpdateSubscription,
        DeleteSubscription,
        RotateSecret,
        PingSubscription,
        ListDeliveries,
        GetDelivery,
        RetryDelivery,
        FanOutToWebhooks,
        DeliverWebhook,
    )

    @provide(scope=Scope.APP)
    async def sender(self, policy: NetworkDestinationPolicy) -> AsyncIterator[WebhookSender]:
        """One pooled HTTP client per process, closed with the container."""
        sender = HttpxWebhookSender(policy)
        yield sender
        await sender.close()
