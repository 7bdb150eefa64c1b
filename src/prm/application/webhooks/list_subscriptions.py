"""The tenant's webhook subscriptions, a page at a time."""

from prm.application.shared.paging import Page, PageRequest
from prm.application.webhooks.ports import SubscriptionRepository
from prm.domain.webhooks.model import Subscription


class ListSubscriptions:
    """A page of the tenant's subscriptions, newest first."""

    def __init__(self, subscriptions: SubscriptionRepository) -> None:
        self._subscriptions = subscriptions

    async def __call__(self, page: PageRequest) -> Page[Subscription]:
        return await self._subscriptions.list_page(page)
