"""The ``webhooks.deliver`` job: one attempt of a delivery, and what follows from it."""

from collections.abc import Mapping
from typing import Any
from uuid import UUID

import structlog

from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.jobs import JobHandler, JobScheduler, PermanentJobFailure
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.application.webhooks.attempts import make_attempt, schedule_next_attempt
from prm.application.webhooks.ports import (
    DELIVER_TASK,
    DeliveryRepository,
    Jitter,
    SubscriptionRepository,
    WebhookSender,
)
from prm.domain.webhooks.delivery import DeliveryId, DeliveryStatus
from prm.domain.webhooks.model import FAILURES_BEFORE_DISABLING, Subscription

log = structlog.get_logger(__name__)

INACTIVE = "the subscription is inactive: not sent"


def _arguments(args: Mapping[str, Any]) -> tuple[DeliveryId, int]:
    try:
        delivery_id = DeliveryId(UUID(str(args["delivery_id"])))
        attempt = int(args.get("attempt", 1))
    except (KeyError, TypeError, ValueError) as exc:
        raise PermanentJobFailure(f"bad {DELIVER_TASK} arguments: {exc}") from exc
    return delivery_id, attempt


class DeliverWebhook(JobHandler):
    """Make attempt ``attempt`` of delivery ``delivery_id`` (``{"delivery_id": str, "attempt": int}``).

    - A job whose attempt was made already, or whose delivery is no longer pending, does nothing
      (a job may run twice, and a retry by hand brings a waiting attempt forward).
    - The delivery of an inactive subscription fails without being sent.
    - Otherwise it POSTs the signed message once, with no transaction open meanwhile (a slow
      receiver holds no locks or snapshot), and records the attempt in a new one, checking the
      delivery's version: a delivery changed meanwhile (a retry by hand) raises ``StaleVersion``,
      the job is retried and finds the attempt made. A failure schedules the
      next attempt (``webhooks.deliver`` with ``after=`` the jittered wait of the retry
      schedule, :mod:`prm.domain.webhooks.delivery`) in this unit of work; the last failure
      fails the delivery and adds it to the subscription's run of failed deliveries, which at
      :data:`~prm.domain.webhooks.model.FAILURES_BEFORE_DISABLING` disables the subscription
      (``webhook.subscription_disabled`` and an ``update`` audit event of
      ``webhook_subscription`` naming ``is_active``). A success ends the run.
    - Raises ``PermanentJobFailure`` for bad arguments or a delivery or subscription that is gone
      (deleted). The HTTP outcome never raises: it is recorded.
    """

    def __init__(
        self,
        deliveries: DeliveryRepository,
        subscriptions: SubscriptionRepository,
        sender: WebhookSender,
        scheduler: JobScheduler,
        jitter: Jitter,
        outbox: Outbox,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
    ) -> None:
        self._deliveries = deliveries
        self._subscriptions = subscriptions
        self._sender = sender
        self._scheduler = scheduler
        self._jitter = jitter
        self._outbox = outbox
        self._audit = audit
        self._uow = uow
        self._clock = clock

    async def __call__(self, args: Mapping[str, Any]) -> None:
        delivery_id, attempt = _arguments(args)
        delivery = await self._deliveries.get(delivery_id)
        if delivery is None:
            raise PermanentJobFailure(f"webhook delivery {delivery_id} is gone")
        if not delivery.is_due(attempt):
            log.info("webhook_delivery.skipped", delivery_id=str(delivery.id), attempt=attempt)
            return
        subscription = await self._subscriptions.get(delivery.subscription_id)
        if subscription is None:
            raise PermanentJobFailure(f"webhook subscription {delivery.subscription_id} is gone")
        version = delivery.version
        now = self._clock.now()
        if not subscription.is_active:
            delivery.give_up(now, INACTIVE)
            await self._deliveries.save(delivery, expected_version=version)
            await self._uow.commit()
            log.info("webhook_delivery.abandoned", delivery_id=str(delivery.id))
            return
        await self._uow.commit()  # ends the reads' transaction: none is open while the request is in flight
        recorded = await make_attempt(self._sender, subscription, delivery, now, self._jitter)
        await self._deliveries.save(delivery, expected_version=version)
        await self._deliveries.add_attempt(recorded)
        if delivery.status is DeliveryStatus.PENDING:
            schedule_next_attempt(self._scheduler, delivery, now)
        elif delivery.status is DeliveryStatus.SUCCEEDED:
            await self._subscriptions.clear_failures(subscription.id)
        elif delivery.failed_for_good:
            await self._count_failure(subscription)
        await self._uow.commit()
        log.info(
            "webhook_delivery.attempted",
            delivery_id=str(delivery.id),
            subscription_id=str(subscription.id),
            attempt=delivery.attempts,
            status=delivery.status.value,
            status_code=delivery.last_status_code,
            duration_ms=delivery.last_duration_ms,
        )

    async def _count_failure(self, subscription: Subscription) -> None:
        run = await self._subscriptions.count_failure(subscription.id)
        if run < FAILURES_BEFORE_DISABLING:
            return
        version = subscription.version
        if subscription.disable_for_failures(self._clock.now(), run):
            await self._subscriptions.save(subscription, expected_version=version)
            await self._outbox.add(subscription.events)
            await self._audit.record(AuditAction.UPDATE, "webhook_subscription", [subscription.id], ["is_active"])
            log.warning("webhook_subscription.disabled", subscription_id=str(subscription.id), failures=run)
