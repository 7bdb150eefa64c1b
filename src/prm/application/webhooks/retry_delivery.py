"""Ask for another attempt of a webhook delivery now."""

import structlog

from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.jobs import JobScheduler
from prm.application.shared.ports import Clock, UnitOfWork
from prm.application.webhooks.attempts import schedule_next_attempt
from prm.application.webhooks.get_delivery import find_delivery
from prm.application.webhooks.get_subscription import find_subscription
from prm.application.webhooks.ports import DeliveryRepository, SubscriptionRepository
from prm.domain.webhooks.delivery import Delivery, DeliveryId
from prm.domain.webhooks.errors import SubscriptionInactive

log = structlog.get_logger(__name__)


class RetryDelivery:
    """Schedule an attempt of the delivery due now (a ``webhooks.deliver`` job): a waiting delivery's
    next attempt is brought forward; a finished one (failed, or succeeded) gets one more attempt,
    without automatic retries (:mod:`prm.domain.webhooks.delivery`). Returns the delivery, pending.

    Raises ``DeliveryNotFound`` (404) and ``SubscriptionInactive`` (409: re-activate the
    subscription first). Records an ``update`` audit event of the ``webhook_delivery``.
    """

    def __init__(
        self,
        deliveries: DeliveryRepository,
        subscriptions: SubscriptionRepository,
        scheduler: JobScheduler,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
    ) -> None:
        self._deliveries = deliveries
        self._subscriptions = subscriptions
        self._scheduler = scheduler
        self._audit = audit
        self._uow = uow
        self._clock = clock

    async def __call__(self, delivery_id: DeliveryId) -> Delivery:
        delivery = await find_delivery(self._deliveries, delivery_id)
        subscription = await find_subscription(self._subscriptions, delivery.subscription_id)
        if not subscription.is_active:
            raise SubscriptionInactive(f"webhook subscription {subscription.id} is inactive: activate it first")
        now = self._clock.now()
        version = delivery.version
        delivery.retry_now(now)
        await self._deliveries.save(delivery, expected_version=version)
        schedule_next_attempt(self._scheduler, delivery, now, suffix=":retry")
        await self._audit.record(AuditAction.UPDATE, "webhook_delivery", [delivery.id], ["status"])
        await self._uow.commit()
        log.info("webhook_delivery.retry_scheduled", delivery_id=str(delivery.id), attempt=delivery.attempts + 1)
        return delivery
