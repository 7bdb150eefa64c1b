"""Read one integration configuration (``GET /integrations/configs/{id}``)."""

from prm.application.integrations.ports import IntegrationConfigRepository
from prm.domain.integrations.config import IntegrationConfig
from prm.domain.integrations.errors import IntegrationConfigNotFound
from prm.domain.integrations.ids import IntegrationConfigId


class GetIntegrationConfig:
    """One configuration; raises ``IntegrationConfigNotFound`` (404, also for another tenant's id)."""

    def __init__(self, configs: IntegrationConfigRepository) -> None:
        self._configs = configs

    async def __call__(self, config_id: IntegrationConfigId) -> IntegrationConfig:
        config = await self._configs.get(config_id)
        if config is None:
            raise IntegrationConfigNotFound(f"integration configuration {config_id} not found")
        return config
