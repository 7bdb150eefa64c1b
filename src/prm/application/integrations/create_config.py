"""Create an integration configuration (reference API: ``POST /integrations/configs``)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog

from prm.application.integrations.ports import IntegrationConfigRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.integrations.config import DEFAULT_RATE_LIMIT_PER_HOUR, IntegrationConfig
from prm.domain.integrations.errors import DuplicateSourceSystem

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateIntegrationConfigCommand:
    """See :mod:`prm.domain.integrations.config` for the rules; ``secrets`` are write-only."""

    name: str
    source_system: str
    description: str | None = None
    api_url: str | None = None
    is_active: bool = True
    settings: Mapping[str, Any] = field(default_factory=dict)
    secrets: Mapping[str, str] = field(default_factory=dict)
    rate_limit_per_hour: int = DEFAULT_RATE_LIMIT_PER_HOUR


class CreateIntegrationConfig:
    """Create the tenant's configuration of one source system. Raises ``DuplicateSourceSystem``
    (409) when the tenant has one for it, ``InvalidIntegrationConfig`` (422) naming the field.
    Records a ``create`` audit event."""

    def __init__(
        self,
        configs: IntegrationConfigRepository,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._configs = configs
        self._audit = audit
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, command: CreateIntegrationConfigCommand) -> IntegrationConfig:
        config = IntegrationConfig.create(
            tenant_id=self._context.tenant_id,
            name=command.name,
            source_system=command.source_system,
            description=command.description,
            api_url=command.api_url,
            is_active=command.is_active,
            settings=command.settings,
            secrets=dict(command.secrets),
            rate_limit_per_hour=command.rate_limit_per_hour,
            now=self._clock.now(),
        )
        if await self._configs.get_by_source_system(config.source_system) is not None:
            raise DuplicateSourceSystem(f"the tenant has a configuration for source system {config.source_system}")
        await self._configs.add(config)
        await self._audit.record(AuditAction.CREATE, "integration_config", [config.id])
        await self._uow.commit()
        log.info("integration_config.created", integration_config_id=str(config.id))
        return config
