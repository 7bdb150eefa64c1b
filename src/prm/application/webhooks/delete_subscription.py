"""Delete a webhook subscription, with its delivery log."""

import structlog

from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Outbox, UnitOfWork
from prm.application.webhooks.get_subscription import find_subscription
from prm.application.webhooks.ports import SubscriptionRepository
from prm.domain.webhooks.model import SubscriptionId

log = structlog.get_logger(__name__)


class DeleteSubscription:
    """Delete the subscription and its deliveries (waiting attempts then find nothing and stop).
    Raises ``SubscriptionNotFound`` (404). Records ``webhook.subscription_deleted`` and a ``delete``
    audit event. To keep the log, set ``is_active`` to false instead."""

    def __init__(
        self, subscriptions: SubscriptionRepository, outbox: Outbox, audit: AuditTrail, uow: UnitOfWork
    ) -> None:
        self._subscriptions = subscriptions
        self._outbox = outbox
        self._audit = audit
        self._uow = uow

    async def __call__(self, subscription_id: SubscriptionId) -> None:
        subscription = await find_subscription(self._subscriptions, subscription_id)
        subscription.delete()
        await self._subscriptions.remove(subscription.id)
        await self._outbox.add(subscription.events)
        await self._audit.record(AuditAction.DELETE, "webhook_subscription", [subscription.id])
        await self._uow.commit()
        log.info("webhook_subscription.deleted", subscription_id=str(subscription.id))
