"""Every published event, to the tenant's subscriptions that want it."""

from collections.abc import Sequence

import structlog

from prm.application.shared.context import RequestContext
from prm.application.shared.events import BatchEventHandler, PublishedEvent
from prm.application.shared.jobs import JobScheduler
from prm.application.shared.ports import Clock, UnitOfWork
from prm.application.webhooks.attempts import schedule_next_attempt
from prm.application.webhooks.messages import event_body
from prm.application.webhooks.ports import DeliveryRepository, SubscriptionRepository
from prm.domain.webhooks.delivery import Delivery

log = structlog.get_logger(__name__)


class FanOutToWebhooks(BatchEventHandler):
    """Registered for every event type (``"*"``): one delivery per active subscription of the
    event's tenant whose patterns match its type (``webhook.*`` only for patterns naming them,
    :mod:`prm.domain.webhooks.patterns`), each with a ``webhooks.deliver`` job due now (``key``:
    the delivery id), in one unit of work. Idempotent: a subscription that has a delivery of the
    event already gets no second one. Sends nothing itself; an event nobody wants writes nothing.

    :meth:`handle_batch` does the same for several events of the tenant with one read of the
    subscriptions and one commit. Raises ``ValueError`` for an event of another tenant than the
    unit of work's (a wiring bug).
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
        await self.handle_batch([event])

    async def handle_batch(self, events: Sequence[PublishedEvent]) -> None:
        if any(e.tenant_id != self._context.tenant_id for e in events):
            raise ValueError("an event is not of the unit of work's tenant")
        subscriptions = await self._subscriptions.active()
        unique = list({e.id: e for e in events}.values())  # a repeat within the batch counts once
        wanted = [(e, s) for e in unique for s in subscriptions if s.wants(e.type)]
        if not wanted:
            return
        given = await self._deliveries.given([e.id for e in unique])
        now = self._clock.now()
        bodies = {e.id: event_body(e) for e, _ in wanted}
        deliveries = [
            Delivery.of_event(
                tenant_id=e.tenant_id,
                subscription_id=s.id,
                event_id=e.id,
                event_type=e.type,
                body=bodies[e.id],
                now=now,
            )
            for e, s in wanted
            if (e.id, s.id) not in given
        ]
        if not deliveries:
            return
        await self._deliveries.add_many(deliveries)
        for delivery in deliveries:
            schedule_next_attempt(self._scheduler, delivery, now)
        await self._uow.commit()
        log.info("webhook_events.fanned_out", events=len(events), deliveries=len(deliveries))
