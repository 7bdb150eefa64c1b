"""Choose and configure the provider of one channel for the tenant."""

from collections.abc import Mapping
from dataclasses import dataclass, field, fields

import structlog

from prm.application.communications.providers_ports import ProviderConfigRepository, ProviderConfigView, view_of
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.communications.channels import Channel
from prm.domain.communications.providers import ProviderConfig, ProviderKind, ProviderSettings
from prm.domain.shared.ids import TenantId

log = structlog.get_logger(__name__)

AUDITED_AS = "communication_provider_config"


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigureProviderCommand:
    """``secrets``: values to set, ``None`` to clear; names left out keep their stored value
    (same kind only)."""

    channel: Channel
    kind: ProviderKind
    settings: ProviderSettings
    secrets: Mapping[str, str | None] = field(default_factory=dict, repr=False)


class ConfigureProvider:
    """Create or replace the tenant's provider for ``channel``. Raises ``InvalidProviderConfig``
    (422 naming the field) and ``StaleVersion`` (409, a concurrent change). Audits an ``update``
    naming the fields given (secret names, never values)."""

    def __init__(
        self, configs: ProviderConfigRepository, audit: AuditTrail, uow: UnitOfWork, clock: Clock, tenant_id: TenantId
    ) -> None:
        self._configs = configs
        self._audit = audit
        self._uow = uow
        self._clock = clock
        self._tenant_id = tenant_id

    async def __call__(self, command: ConfigureProviderCommand) -> ProviderConfigView:
        current = await self._configs.get(command.channel)
        config = ProviderConfig.configure(
            tenant_id=self._tenant_id,
            channel=command.channel,
            kind=command.kind,
            settings=command.settings,
            secrets=command.secrets,
            now=self._clock.now(),
            current=current,
        )
        await self._configs.save(config)
        given = [
            f"settings.{f.name}" for f in fields(command.settings) if getattr(command.settings, f.name) is not None
        ]
        changed = ["channel", "kind", *given, *(f"secrets.{name}" for name in sorted(command.secrets))]
        action = AuditAction.UPDATE if current is not None else AuditAction.CREATE
        await self._audit.record(action, AUDITED_AS, (), changed)
        await self._uow.commit()
        log.info("communication_provider.configured", channel=config.channel, kind=config.kind, version=config.version)
        return view_of(config)
