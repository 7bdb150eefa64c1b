"""Subscribe an endpoint of the tenant's to some of its events."""

from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.application.webhooks.ports import DestinationPolicy, SubscriptionRepository
from prm.domain.webhooks.model import Subscription

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateSubscriptionCommand:
    url: str
    event_types: Sequence[str]
    description: str | None = None
    is_active: bool = True


class CreateSubscription:
    """Create a subscription with a fresh signing secret (``whsec_…``, on the returned subscription:
    the only time the caller sees it, with :class:`~prm.application.webhooks.rotate_secret.RotateSecret`).

    Raises ``InvalidSubscription`` (422) naming ``url``, ``event_types(.i)`` or ``description``, and
    ``UnsafeDestination`` (422, ``url``) for a destination the policy refuses. Records
    ``webhook.subscription_created`` and a ``create`` audit event.
    """

    def __init__(
        self,
        subscriptions: SubscriptionRepository,
        policy: DestinationPolicy,
        outbox: Outbox,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._subscriptions = subscriptions
        self._policy = policy
        self._outbox = outbox
        self._audit = audit
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, command: CreateSubscriptionCommand) -> Subscription:
        subscription = Subscription.create(
            tenant_id=self._context.tenant_id,
            url=command.url,
            event_types=command.event_types,
            description=command.description,
            is_active=command.is_active,
            now=self._clock.now(),
        )
        await self._policy.check(subscription.url)
        await self._subscriptions.add(subscription)
        await self._outbox.add(subscription.events)
        await self._audit.record(AuditAction.CREATE, "webhook_subscription", [subscription.id])
        await self._uow.commit()
        log.info("webhook_subscription.created", subscription_id=str(subscription.id))
        return subscription
