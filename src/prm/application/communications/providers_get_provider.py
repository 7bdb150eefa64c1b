"""Read the tenant's provider configuration of one channel, or of all of them."""

from collections.abc import Sequence

from prm.application.communications.providers_ports import (
    ProviderConfigRepository,
    ProviderConfigView,
    default_view,
    view_of,
)
from prm.domain.communications.channels import Channel


class GetProvider:
    """The channel's provider: the tenant's configuration, else the default (the local sink,
    ``source="default"``). Secrets appear by name only."""

    def __init__(self, configs: ProviderConfigRepository) -> None:
        self._configs = configs

    async def __call__(self, channel: Channel) -> ProviderConfigView:
        config = await self._configs.get(channel)
        return view_of(config) if config is not None else default_view(channel)


class ListProviders:
    """Every channel's provider, in :class:`Channel` order (defaults included)."""

    def __init__(self, configs: ProviderConfigRepository) -> None:
        self._configs = configs

    async def __call__(self) -> Sequence[ProviderConfigView]:
        configured = {config.channel: config for config in await self._configs.all()}
        return [view_of(configured[channel]) if channel in configured else default_view(channel) for channel in Channel]
