"""The integration configurations (reference API: ``GET /integrations/configs``)."""

from prm.application.integrations.ports import IntegrationConfigRepository
from prm.application.shared.paging import Page, PageRequest
from prm.domain.integrations.config import IntegrationConfig


class ListIntegrationConfigs:
    """A page of the tenant's configurations, by source system."""

    def __init__(self, configs: IntegrationConfigRepository) -> None:
        self._configs = configs

    async def __call__(self, page: PageRequest) -> Page[IntegrationConfig]:
        return await self._configs.find(page)
