"""Ports of the communications context's providers part: the tenant's provider configurations,
and the credentials the webhook routes verify callbacks with."""

from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from uuid import UUID

from prm.domain.communications.channels import Channel
from prm.domain.communications.providers import ProviderConfig, ProviderKind, ProviderSettings


class ProviderConfigRepository(Protocol):
    """Tenant-scoped: one configuration per channel at most."""

    @abstractmethod
    async def get(self, channel: Channel) -> ProviderConfig | None: ...

    @abstractmethod
    async def all(self) -> Sequence[ProviderConfig]: ...

    @abstractmethod
    async def save(self, config: ProviderConfig) -> None:
        """Insert (version 1) or replace the stored version ``config.version - 1``; raises
        ``StaleVersion`` when someone else changed (or created) it meanwhile."""

    @abstractmethod
    async def remove(self, channel: Channel) -> bool:
        """``True`` when there was one to remove."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderCredentials:
    """What a webhook route needs to check a provider's callback for a tenant and channel:
    ``auth_token`` (Twilio ``X-Twilio-Signature``), ``app_secret`` (Meta ``X-Hub-Signature-256``),
    ``verify_token`` (Meta's ``hub.challenge`` GET) and ``callback_base_url`` (the public URL
    Twilio signs: ``{callback_base_url}{path}?{query}``). Secrets never show in ``repr``."""

    tenant_id: UUID
    channel: Channel
    kind: ProviderKind
    callback_base_url: str | None = None
    auth_token: str | None = field(default=None, repr=False)
    app_secret: str | None = field(default=None, repr=False)
    verify_token: str | None = field(default=None, repr=False)
    account_sid: str | None = None
    phone_number_id: str | None = None


class ProviderCredentialsLookup(Protocol):
    """Process-wide (APP scope): the routes that take the tenant from the URL, not a token, ask
    it for that tenant's credentials."""

    @abstractmethod
    async def credentials(self, tenant_id: UUID, channel: Channel) -> ProviderCredentials | None:
        """``None`` when the tenant has no provider of its own for the channel (callbacks of the
        local sink are never signed: refuse them)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderConfigView:
    """A channel's provider as the API shows it: settings, and only the *names* of the secrets
    that are set. ``source`` is ``tenant`` (configured) or ``default`` (the local sink)."""

    channel: Channel
    kind: ProviderKind
    settings: ProviderSettings
    secrets_configured: frozenset[str]
    source: str
    version: int | None = None
    updated_at: datetime | None = None


def view_of(config: ProviderConfig) -> ProviderConfigView:
    return ProviderConfigView(
        channel=config.channel,
        kind=config.kind,
        settings=config.settings,
        secrets_configured=config.secrets.configured,
        source="tenant",
        version=config.version,
        updated_at=config.updated_at,
    )


def default_view(channel: Channel) -> ProviderConfigView:
    return ProviderConfigView(
        channel=channel,
        kind=ProviderKind.LOCAL,
        settings=ProviderSettings(),
        secrets_configured=frozenset(),
        source="default",
    )
