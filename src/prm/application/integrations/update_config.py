"""Change an integration configuration (``PATCH /integrations/configs/{id}``)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog

from prm.application.integrations.ports import IntegrationConfigRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.integrations.config import IntegrationConfig
from prm.domain.integrations.errors import DuplicateSourceSystem, IntegrationConfigNotFound
from prm.domain.integrations.ids import IntegrationConfigId
from prm.domain.shared.errors import StaleVersion

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateIntegrationConfigCommand:
    """``changes``: new values of the fields given (``EDITABLE`` names); ``secrets``: a string
    sets the named secret, ``None`` removes it, others stay. ``expected_version`` (from
    ``If-Match`` or the body) makes the update conditional."""

    config_id: IntegrationConfigId
    changes: Mapping[str, Any] = field(default_factory=dict)
    secrets: Mapping[str, str | None] = field(default_factory=dict)
    expected_version: int | None = None


class UpdateIntegrationConfig:
    """Partial update with optimistic concurrency. Raises ``IntegrationConfigNotFound`` (404),
    ``StaleVersion`` (409), ``DuplicateSourceSystem`` (409), ``InvalidIntegrationConfig`` (422).
    Records an ``update`` audit event naming the fields that changed (``secrets`` for any secret,
    never a value); an update that changes nothing keeps the version."""

    def __init__(self, configs: IntegrationConfigRepository, audit: AuditTrail, uow: UnitOfWork, clock: Clock) -> None:
        self._configs = configs
        self._audit = audit
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: UpdateIntegrationConfigCommand) -> IntegrationConfig:
        config = await self._configs.get(command.config_id)
        if config is None:
            raise IntegrationConfigNotFound(f"integration configuration {command.config_id} not found")
        if command.expected_version is not None and command.expected_version != config.version:
            raise StaleVersion(
                f"integration configuration {config.id} is at version {config.version}, not "
                f"{command.expected_version}: reload it and apply the change again"
            )
        version = config.version
        changed = config.revise(self._clock.now(), command.changes, command.secrets)
        if not changed:
            return config
        if "source_system" in changed:
            taken = await self._configs.get_by_source_system(config.source_system)
            if taken is not None and taken.id != config.id:
                raise DuplicateSourceSystem(f"the tenant has a configuration for source system {config.source_system}")
        await self._configs.save(config, expected_version=version)
        await self._audit.record(AuditAction.UPDATE, "integration_config", [config.id], changed)
        await self._uow.commit()
        log.info("integration_config.updated", integration_config_id=str(config.id), version=config.version)
        return config
