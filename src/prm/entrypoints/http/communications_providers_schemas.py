"""Wire schemas of the provider configuration API (``/communications/providers``).

Secrets are write-only: a request may set one (a string), clear it (``null``) or leave it out
(kept); an answer only says ``{"configured": true|false}`` for each secret of the kind.
"""

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import UNSET, Struct, UnsetType

from prm.application.communications.providers_ports import ProviderConfigView
from prm.domain.communications.channels import Channel
from prm.domain.communications.providers import SECRETS_OF_KIND, ProviderKind, ProviderSettings, SmtpSecurity

Short = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
Url = Annotated[str, msgspec.Meta(min_length=8, max_length=2048, pattern=r"^https?://[^\u0000-\u0020\u007f]+$")]
Secret = Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]
Port = Annotated[int, msgspec.Meta(ge=1, le=65535)]


class ProviderSettingsBody(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True, omit_defaults=True):
    account_sid: Short | None = None
    """Twilio Account SID (``AC`` + 32 hex)."""
    from_number: Short | None = None
    """Twilio sender, E.164."""
    messaging_service_sid: Short | None = None
    """Twilio Messaging Service SID (``MG`` + 32 hex), instead of ``from_number``."""
    phone_number_id: Short | None = None
    """WhatsApp Cloud API business phone number id."""
    api_version: Short | None = None
    """Graph API version (``v21.0``)."""
    base_url: Url | None = None
    """The provider API's base URL (``https://api.twilio.com``, ``https://graph.facebook.com``)."""
    callback_base_url: Url | None = None
    """PRM's public base URL the provider posts status callbacks to."""
    smtp_host: Short | None = None
    smtp_port: Port | None = None
    smtp_security: SmtpSecurity | None = None
    smtp_username: Short | None = None
    from_address: Short | None = None


class ProviderSecretsBody(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    auth_token: Secret | None | UnsetType = UNSET
    """Twilio Auth Token (HTTP Basic password, and the key of ``X-Twilio-Signature``)."""
    access_token: Secret | None | UnsetType = UNSET
    """WhatsApp Cloud API access token (Bearer)."""
    app_secret: Secret | None | UnsetType = UNSET
    """Meta app secret (the key of ``X-Hub-Signature-256``)."""
    verify_token: Secret | None | UnsetType = UNSET
    """The token Meta echoes in the ``hub.challenge`` subscription check."""
    smtp_password: Secret | None | UnsetType = UNSET

    def changes(self) -> dict[str, str | None]:
        fields = ("auth_token", "access_token", "app_secret", "verify_token", "smtp_password")
        return {name: value for name in fields if (value := getattr(self, name)) is not UNSET}


class ConfigureProviderRequest(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    kind: ProviderKind
    settings: ProviderSettingsBody = ProviderSettingsBody()
    secrets: ProviderSecretsBody = ProviderSecretsBody()

    def provider_settings(self) -> ProviderSettings:
        s = self.settings
        return ProviderSettings(**{name: getattr(s, name) for name in s.__struct_fields__})


class SecretState(Struct, frozen=True):
    configured: bool


class ProviderResponse(Struct, frozen=True, kw_only=True):
    channel: Channel
    kind: ProviderKind
    source: str
    """``tenant`` (configured) or ``default`` (the local sink)."""
    settings: ProviderSettingsBody
    secrets: dict[str, SecretState]
    version: int | None = None
    updated_at: datetime | None = None


class ProviderListResponse(Struct, frozen=True, kw_only=True):
    providers: list[ProviderResponse]


def provider_response(view: ProviderConfigView) -> ProviderResponse:
    s = view.settings
    settings = ProviderSettingsBody(**{name: getattr(s, name) for name in ProviderSettingsBody.__struct_fields__})
    secrets = {name: SecretState(name in view.secrets_configured) for name in sorted(SECRETS_OF_KIND[view.kind])}
    return ProviderResponse(
        channel=view.channel,
        kind=view.kind,
        source=view.source,
        settings=settings,
        secrets=secrets,
        version=view.version,
        updated_at=view.updated_at,
    )
