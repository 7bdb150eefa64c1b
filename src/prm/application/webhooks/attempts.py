"""One attempt of a delivery, shared by the job that delivers events and by pings."""

from datetime import datetime, timedelta

from prm.application.shared.jobs import JobScheduler
from prm.application.webhooks.ports import DELIVER_TASK, Jitter, OutgoingMessage, WebhookSender
from prm.domain.webhooks.delivery import Delivery, DeliveryAttempt
from prm.domain.webhooks.model import Subscription


async def make_attempt(
    sender: WebhookSender, subscription: Subscription, delivery: Delivery, now: datetime, jitter: Jitter
) -> DeliveryAttempt:
    """POST the delivery's body to the subscription's URL, signed with its secrets as of ``now``
    (also the ``webhook-timestamp``), and record the outcome on ``delivery``; returns the attempt
    to store."""
    outcome = await sender.send(
        OutgoingMessage(
            url=subscription.url,
            message_id=delivery.message_id,
            timestamp=now,
            body=delivery.body,
            secrets=subscription.signing_secrets(now),
        )
    )
    return delivery.record(outcome, now, jitter)


def schedule_next_attempt(scheduler: JobScheduler, delivery: Delivery, now: datetime, *, suffix: str = "") -> None:
    """Schedule ``webhooks.deliver`` for the delivery's next attempt, ``after=`` the wait until its
    ``next_attempt_at``. The first attempt's key is the delivery id; later ones add the attempt
    number (and ``suffix``), so that scheduling the same attempt twice waits once."""
    attempt = delivery.attempts + 1
    due = delivery.next_attempt_at or now
    key = str(delivery.id) if attempt == 1 and not suffix else f"{delivery.id}:{attempt}{suffix}"
    scheduler.schedule(
        DELIVER_TASK,
        {"delivery_id": str(delivery.id), "attempt": attempt},
        after=max(due - now, timedelta(0)),
        key=key,
    )
