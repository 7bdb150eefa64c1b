"""The :class:`ProviderDirectory` adapter: the tenant's configured provider for a channel, built
on the process's shared httpx client, else the local sink.

Process-wide defaults (settings) are not read yet: a tenant without a configuration uses the
local sink on every channel.
"""

import httpx

from prm.adapters.communications.providers.http_errors import provider_http_client
from prm.adapters.communications.providers.local_sink import LocalSink, LocalSinkProvider
from prm.adapters.communications.providers.smtp_email import SmtpAccount, SmtpEmail
from prm.adapters.communications.providers.twilio_sms import TWILIO_API, TwilioAccount, TwilioSms
from prm.adapters.communications.providers.whatsapp_cloud import GRAPH_API, WhatsAppAccount, WhatsAppCloud
from prm.application.communications.contracts import MessageProvider, ProviderDirectory
from prm.application.communications.providers_ports import ProviderConfigRepository
from prm.application.shared.ports import Clock
from prm.domain.communications.channels import Channel
from prm.domain.communications.providers import (
    DEFAULT_SMTP_PORT,
    DEFAULT_WHATSAPP_API_VERSION,
    ProviderConfig,
    ProviderKind,
    SmtpSecurity,
)


class ProviderHttpClient:
    """The process's one pooled ``httpx.AsyncClient`` for provider APIs (APP scope)."""

    def __init__(self, client: httpx.AsyncClient | None = None) -> None:
        self.client = client or provider_http_client()

    async def close(self) -> None:
        await self.client.aclose()


def build_provider(config: ProviderConfig, http: ProviderHttpClient, sink: LocalSink, clock: Clock) -> MessageProvider:
    """The adapter of ``config`` (already validated by the domain)."""
    settings, secrets = config.settings, config.secrets
    if config.kind is ProviderKind.TWILIO:
        account = TwilioAccount(
            account_sid=settings.account_sid or "",
            auth_token=secrets.get("auth_token") or "",
            from_number=settings.from_number,
            messaging_service_sid=settings.messaging_service_sid,
            base_url=settings.base_url or TWILIO_API,
            callback_base_url=settings.callback_base_url,
        )
        return TwilioSms(http.client, account)
    if config.kind is ProviderKind.WHATSAPP_CLOUD:
        whatsapp = WhatsAppAccount(
            phone_number_id=settings.phone_number_id or "",
            access_token=secrets.get("access_token") or "",
            api_version=settings.api_version or DEFAULT_WHATSAPP_API_VERSION,
            base_url=settings.base_url or GRAPH_API,
        )
        return WhatsAppCloud(http.client, whatsapp)
    if config.kind is ProviderKind.SMTP:
        smtp = SmtpAccount(
            host=settings.smtp_host or "localhost",
            port=settings.smtp_port or DEFAULT_SMTP_PORT,
            security=settings.smtp_security or SmtpSecurity.STARTTLS,
            username=settings.smtp_username,
            password=secrets.get("smtp_password"),
            from_address=settings.from_address or "",
        )
        return SmtpEmail(smtp, clock)
    return LocalSinkProvider(sink)


class ConfiguredProviderDirectory(ProviderDirectory):
    """Tenant-scoped (REQUEST): reads the configuration once per channel and unit of work."""

    def __init__(
        self, configs: ProviderConfigRepository, http: ProviderHttpClient, sink: LocalSink, clock: Clock
    ) -> None:
        self._configs = configs
        self._http = http
        self._sink = sink
        self._clock = clock
        self._built: dict[Channel, MessageProvider] = {}

    async def for_channel(self, channel: Channel) -> MessageProvider:
        if channel not in self._built:
            config = await self._configs.get(channel)
            self._built[channel] = (
                build_provider(config, self._http, self._sink, self._clock)
                if config is not None
                else LocalSinkProvider(self._sink)
            )
        return self._built[channel]
