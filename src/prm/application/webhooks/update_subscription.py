"""Change a webhook subscription: its URL, event types, description, or whether it is active."""

from collections.abc import Mapping
from dataclasses import dataclass, field

import structlog

from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.application.webhooks.get_subscription import find_subscription
from prm.application.webhooks.ports import DestinationPolicy, SubscriptionRepository
from prm.domain.shared.errors import StaleVersion
from prm.domain.webhooks.model import Subscription, SubscriptionId

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateSubscriptionCommand:
    """``changes`` maps ``url``, ``event_types``, ``description``, ``is_active`` to new values;
    absent fields stay. ``expected_version`` (from ``If-Match``) makes the update conditional."""

    subscription_id: SubscriptionId
    changes: Mapping[str, object] = field(default_factory=dict)
    expected_version: int | None = None


class UpdateSubscription:
    """Partial update. Setting ``is_active`` to true re-enables a subscription PRM disabled and
    clears its run of failed deliveries.

    Raises ``SubscriptionNotFound`` (404), ``StaleVersion`` (409), ``InvalidSubscription`` and
    ``UnsafeDestination`` (422, naming the field). Records ``webhook.subscription_updated`` and an
    ``update`` audit event with the names of the changed fields; a change to nothing does nothing.
    """

    def __init__(
        self,
        subscriptions: SubscriptionRepository,
        policy: DestinationPolicy,
        outbox: Outbox,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
    ) -> None:
        self._subscriptions = subscriptions
        self._policy = policy
        self._outbox = outbox
        self._audit = audit
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: UpdateSubscriptionCommand) -> Subscription:
        subscription = await find_subscription(self._subscriptions, command.subscription_id)
        if command.expected_version is not None and command.expected_version != subscription.version:
            raise StaleVersion(
                f"webhook subscription {subscription.id} is at version {subscription.version}, "
                f"not {command.expected_version}: reload it and apply the change again"
            )
        version = subscription.version
        changed = subscription.revise(self._clock.now(), **command.changes)
        if not changed:
            return subscription
        if "url" in changed:
            await self._policy.check(subscription.url)
        await self._subscriptions.save(subscription, expected_version=version)
        if "is_active" in changed and subscription.is_active:
            await self._subscriptions.clear_failures(subscription.id)
        await self._outbox.add(subscription.events)
        await self._audit.record(AuditAction.UPDATE, "webhook_subscription", [subscription.id], changed)
        await self._uow.commit()
        log.info("webhook_subscription.updated", subscription_id=str(subscription.id), version=subscription.version)
        return subscription
