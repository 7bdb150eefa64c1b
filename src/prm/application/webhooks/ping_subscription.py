"""Send a subscription a signed test message now (``webhook.ping``)."""

import structlog

from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Clock, UnitOfWork
from prm.application.webhooks.attempts import make_attempt
from prm.application.webhooks.get_subscription import find_subscription
from prm.application.webhooks.messages import ping_body
from prm.application.webhooks.ports import DeliveryRepository, Jitter, SubscriptionRepository, WebhookSender
from prm.domain.shared.ids import new_id
from prm.domain.webhooks.delivery import Delivery, DeliveryStatus
from prm.domain.webhooks.model import SubscriptionId

log = structlog.get_logger(__name__)


class PingSubscription:
    """POST a ``webhook.ping`` message to the subscription's URL, once and while the caller waits
    (a few seconds at most), whether the subscription is active or not, and return its delivery
    with the outcome (status code, milliseconds, error). The delivery joins the log; it is never
    retried automatically and does not count toward disabling, but a success ends a run of
    failures. Raises ``SubscriptionNotFound`` (404). Records a ``create`` audit event of the
    ``webhook_delivery``."""

    def __init__(
        self,
        subscriptions: SubscriptionRepository,
        deliveries: DeliveryRepository,
        sender: WebhookSender,
        jitter: Jitter,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
    ) -> None:
        self._subscriptions = subscriptions
        self._deliveries = deliveries
        self._sender = sender
        self._jitter = jitter
        self._audit = audit
        self._uow = uow
        self._clock = clock

    async def __call__(self, subscription_id: SubscriptionId) -> Delivery:
        subscription = await find_subscription(self._subscriptions, subscription_id)
        now = self._clock.now()
        message_id = new_id()
        body = ping_body(
            message_id=message_id, subscription_id=subscription.id, tenant_id=subscription.tenant_id, now=now
        )
        delivery = Delivery.ping(
            tenant_id=subscription.tenant_id, subscription_id=subscription.id, event_id=message_id, body=body, now=now
        )
        recorded = await make_attempt(self._sender, subscription, delivery, now, self._jitter)
        await self._deliveries.add_many([delivery])
        await self._deliveries.add_attempt(recorded)
        if delivery.status is DeliveryStatus.SUCCEEDED:
            await self._subscriptions.clear_failures(subscription.id)
        await self._audit.record(AuditAction.CREATE, "webhook_delivery", [delivery.id])
        await self._uow.commit()
        log.info(
            "webhook_subscription.pinged",
            subscription_id=str(subscription.id),
            delivery_id=str(delivery.id),
            status_code=delivery.last_status_code,
        )
        return delivery
