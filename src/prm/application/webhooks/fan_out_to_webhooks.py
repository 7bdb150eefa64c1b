"""Every published event, to the tenant's subscriptions that want it."""

import structlog

from prm.application.shared.context import RequestContext
from prm.application.shared.events import EventHandler, PublishedEvent
from prm.application.shared.jobs import JobScheduler
from prm.application.shared.ports import Clock, UnitOfWork
from prm.application.webhooks.attempts import schedule_next_attempt
from prm.application.webhooks.messages import event_body
from prm.application.webhooks.ports import DeliveryRepository, SubscriptionRepository
from prm.domain.webhooks.delivery import Delivery

log = structlog.get_logger(__name__)


class FanOutToWebhooks(EventHandler):
    """Registered for every event type (``"*"``): one delivery per active subscription of the
    event's tenant whose patterns match its type (``webhook.*`` only for patterns naming them,
    :mod:`prm.domain.webhooks.patterns`), each with a ``webhooks.deliver`` job due now (``key``:
    the delivery id), in one unit of work. Idempotent: a subscription that has a delivery of the
    event already gets no second one. Sends nothing itself.

    Raises ``ValueError`` for an event of another tenant than the unit of work's (a wiring bug).
    """

    def __init__(
        self,
        subscriptions: SubscriptionRepository,
        deliveries: DeliveryRepository,
        scheduler: JobScheduler,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._subscriptions = subscriptions
        self._deliveries = deliveries
        self._scheduler = scheduler
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, event: PublishedEvent) -> None:
        if event.tenant_id != self._context.tenant_id:
            raise ValueError(f"event {event.id} is not of the unit of work's tenant")
        wanted = [s for s in await self._subscriptions.active() if s.wants(event.type)]
        if not wanted:
            return
        given = await self._deliveries.subscriptions_given(event.id)
        wanted = [s for s in wanted if s.id not in given]
        if not wanted:
            return
        now = self._clock.now()
        body = event_body(event)
        deliveries = [
            Delivery.of_event(
                tenant_id=event.tenant_id,
                subscription_id=s.id,
                event_id=event.id,
                event_type=event.type,
                body=body,
                now=now,
            )
            for s in wanted
        ]
        await self._deliveries.add_many(deliveries)
        for delivery in deliveries:
            schedule_next_attempt(self._scheduler, delivery, now)
        await self._uow.commit()
        log.info("webhook_event.fanned_out", event_id=str(event.id), deliveries=len(deliveries))
