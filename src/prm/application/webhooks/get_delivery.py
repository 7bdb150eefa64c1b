"""One webhook delivery with all its attempts."""

from collections.abc import Sequence
from dataclasses import dataclass

from prm.application.webhooks.ports import DeliveryRepository
from prm.domain.webhooks.delivery import Delivery, DeliveryAttempt, DeliveryId
from prm.domain.webhooks.errors import DeliveryNotFound


async def find_delivery(deliveries: DeliveryRepository, delivery_id: DeliveryId) -> Delivery:
    """The delivery; raises :class:`DeliveryNotFound` (404, also for another tenant's id)."""
    delivery = await deliveries.get(delivery_id)
    if delivery is None:
        raise DeliveryNotFound(f"webhook delivery {delivery_id} not found")
    return delivery


@dataclass(frozen=True, slots=True)
class DeliveryWithAttempts:
    delivery: Delivery
    attempts: Sequence[DeliveryAttempt]


class GetDelivery:
    """The delivery and its attempts, first first. Raises ``DeliveryNotFound`` (404)."""

    def __init__(self, deliveries: DeliveryRepository) -> None:
        self._deliveries = deliveries

    async def __call__(self, delivery_id: DeliveryId) -> DeliveryWithAttempts:
        delivery = await find_delivery(self._deliveries, delivery_id)
        return DeliveryWithAttempts(delivery, await self._deliveries.attempts_of(delivery.id))
