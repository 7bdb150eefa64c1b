"""Delete an integration configuration (``DELETE /integrations/configs/{id}``)."""

import structlog

from prm.application.integrations.ports import IntegrationConfigRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import UnitOfWork
from prm.domain.integrations.errors import IntegrationConfigNotFound
from prm.domain.integrations.ids import IntegrationConfigId
from prm.domain.shared.errors import StaleVersion

log = structlog.get_logger(__name__)


class DeleteIntegrationConfig:
    """Delete a configuration for good (its source system's events stay; its rate limit falls
    back to the default). Raises ``IntegrationConfigNotFound`` (404), ``StaleVersion`` (409) when
    ``expected_version`` is not the current one. Records a ``delete`` audit event."""

    def __init__(self, configs: IntegrationConfigRepository, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._configs = configs
        self._audit = audit
        self._uow = uow

    async def __call__(self, config_id: IntegrationConfigId, expected_version: int | None = None) -> None:
        config = await self._configs.get(config_id)
        if config is None:
            raise IntegrationConfigNotFound(f"integration configuration {config_id} not found")
        if expected_version is not None and expected_version != config.version:
            raise StaleVersion(
                f"integration configuration {config.id} is at version {config.version}, not {expected_version}"
            )
        await self._configs.remove(config)
        await self._audit.record(AuditAction.DELETE, "integration_config", [config.id])
        await self._uow.commit()
        log.info("integration_config.deleted", integration_config_id=str(config.id))
