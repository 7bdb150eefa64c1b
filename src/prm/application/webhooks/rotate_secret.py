"""Give a webhook subscription a new signing secret."""

import structlog

from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.application.webhooks.get_subscription import find_subscription
from prm.application.webhooks.ports import SubscriptionRepository
from prm.domain.webhooks.model import Subscription, SubscriptionId

log = structlog.get_logger(__name__)


class RotateSecret:
    """Replace the signing secret with a fresh one, on the returned subscription (the only time the
    caller sees it). The previous secret keeps signing too, for
    :data:`~prm.domain.webhooks.model.SECRET_OVERLAP`, so receivers can switch over. Raises
    ``SubscriptionNotFound`` (404). Records ``webhook.subscription_secret_rotated`` and an ``update``
    audit event naming ``secret``."""

    def __init__(
        self, subscriptions: SubscriptionRepository, outbox: Outbox, audit: AuditTrail, uow: UnitOfWork, clock: Clock
    ) -> None:
        self._subscriptions = subscriptions
        self._outbox = outbox
        self._audit = audit
        self._uow = uow
        self._clock = clock

    async def __call__(self, subscription_id: SubscriptionId) -> Subscription:
        subscription = await find_subscription(self._subscriptions, subscription_id)
        version = subscription.version
        subscription.rotate_secret(self._clock.now())
        await self._subscriptions.save(subscription, expected_version=version)
        await self._outbox.add(subscription.events)
        await self._audit.record(AuditAction.UPDATE, "webhook_subscription", [subscription.id], ["secret"])
        await self._uow.commit()
        log.info("webhook_subscription.secret_rotated", subscription_id=str(subscription.id))
        return subscription
