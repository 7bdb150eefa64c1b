"""Remove the tenant's provider of a channel: the channel goes back to the default."""

import structlog

from prm.application.communications.providers_configure_provider import AUDITED_AS
from prm.application.communications.providers_ports import ProviderConfigRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import UnitOfWork
from prm.domain.communications.channels import Channel
from prm.domain.communications.providers_errors import ProviderConfigNotFound

log = structlog.get_logger(__name__)


class RemoveProvider:
    """Delete the configuration (and its secrets). Raises ``ProviderConfigNotFound`` (404) when the
    channel already uses the default."""

    def __init__(self, configs: ProviderConfigRepository, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._configs = configs
        self._audit = audit
        self._uow = uow

    async def __call__(self, channel: Channel) -> None:
        if not await self._configs.remove(channel):
            raise ProviderConfigNotFound(f"no provider is configured for {channel}")
        await self._audit.record(AuditAction.DELETE, AUDITED_AS, (), ["channel"])
        await self._uow.commit()
        log.info("communication_provider.removed", channel=channel)
