"""A tenant's provider configuration for one channel: which provider kind carries its messages,
that provider's settings and its secrets (write-only: kept to call the provider, never shown).

- ``local`` (any channel): ``callback_base_url``; no secrets.
- ``twilio`` (sms): ``account_sid`` (``AC`` + 32 hex), ``from_number`` (E.164) or
  ``messaging_service_sid`` (``MG`` + 32 hex), ``base_url``, ``callback_base_url``; secret
  ``auth_token`` (required).
- ``whatsapp_cloud`` (whatsapp): ``phone_number_id`` (digits), ``api_version`` (``v21.0``),
  ``base_url``, ``callback_base_url``; secrets ``access_token`` (required), ``app_secret`` and
  ``verify_token`` (for its webhooks).
- ``smtp`` (email): ``smtp_host``, ``smtp_port`` (587), ``smtp_security`` (``starttls``, ``tls``,
  ``none``), ``smtp_username``, ``from_address``; secret ``smtp_password``.

Sources: Twilio's Messages resource (https://www.twilio.com/docs/messaging/api/message-resource),
the WhatsApp Cloud API (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages),
RFC 5321 / RFC 3207 (SMTP, STARTTLS) and RFC 8314 (implicit TLS on 465).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

from prm.domain.communications.channels import Channel
from prm.domain.communications.providers_errors import InvalidProviderConfig
from prm.domain.shared.ids import TenantId


class ProviderKind(StrEnum):
    LOCAL = "local"
    TWILIO = "twilio"
    WHATSAPP_CLOUD = "whatsapp_cloud"
    SMTP = "smtp"


class SmtpSecurity(StrEnum):
    STARTTLS = "starttls"
    """Plain connection upgraded with STARTTLS (RFC 3207), usually port 587."""
    TLS = "tls"
    """Implicit TLS from the first byte (RFC 8314), usually port 465."""
    NONE = "none"
    """No TLS: loopback and test relays only."""


KINDS_OF_CHANNEL: Mapping[Channel, frozenset[ProviderKind]] = {
    Channel.SMS: frozenset({ProviderKind.LOCAL, ProviderKind.TWILIO}),
    Channel.WHATSAPP: frozenset({ProviderKind.LOCAL, ProviderKind.WHATSAPP_CLOUD}),
    Channel.EMAIL: frozenset({ProviderKind.LOCAL, ProviderKind.SMTP}),
}

DEFAULT_WHATSAPP_API_VERSION = "v21.0"
DEFAULT_SMTP_PORT = 587

_ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_API_VERSION = re.compile(r"^v\d{1,3}\.\d{1,2}$")
_HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}$|^\[[0-9A-Fa-f:.]+\]$")
_EMAIL = re.compile(r"^[^@\s<>]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,}$|^[^@\s<>]{1,64}@localhost$")


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderSettings:
    """The non-secret settings; which ones apply depends on the kind (table above)."""

    account_sid: str | None = None
    from_number: str | None = None
    messaging_service_sid: str | None = None
    phone_number_id: str | None = None
    api_version: str | None = None
    base_url: str | None = None
    callback_base_url: str | None = None
    """Our public base URL (``https://prm.example.org``) the provider posts callbacks to."""
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_security: SmtpSecurity | None = None
    smtp_username: str | None = None
    from_address: str | None = None


SETTINGS_OF_KIND: Mapping[ProviderKind, frozenset[str]] = {
    ProviderKind.LOCAL: frozenset({"callback_base_url"}),
    ProviderKind.TWILIO: frozenset(
        {"account_sid", "from_number", "messaging_service_sid", "base_url", "callback_base_url"}
    ),
    ProviderKind.WHATSAPP_CLOUD: frozenset({"phone_number_id", "api_version", "base_url", "callback_base_url"}),
    ProviderKind.SMTP: frozenset({"smtp_host", "smtp_port", "smtp_security", "smtp_username", "from_address"}),
}

SECRET_NAMES = ("auth_token", "access_token", "app_secret", "verify_token", "smtp_password")

SECRETS_OF_KIND: Mapping[ProviderKind, frozenset[str]] = {
    ProviderKind.LOCAL: frozenset(),
    ProviderKind.TWILIO: frozenset({"auth_token"}),
    ProviderKind.WHATSAPP_CLOUD: frozenset({"access_token", "app_secret", "verify_token"}),
    ProviderKind.SMTP: frozenset({"smtp_password"}),
}


@dataclass(frozen=True, slots=True)
class ProviderSecrets:
    """Secret values by name (:data:`SECRET_NAMES`); ``repr`` and ``str`` show names only."""

    values: Mapping[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    @property
    def configured(self) -> frozenset[str]:
        return frozenset(self.values)

    def __repr__(self) -> str:
        return f"ProviderSecrets(configured={sorted(self.values)})"

    __str__ = __repr__


def _url(value: str, name: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise InvalidProviderConfig(f"{name} must be an http(s) URL without query", field=f"settings.{name}")
    return value.rstrip("/")


def _check(kind: ProviderKind, settings: ProviderSettings) -> ProviderSettings:
    allowed = SETTINGS_OF_KIND[kind]
    for f in fields(settings):
        if getattr(settings, f.name) is not None and f.name not in allowed:
            raise InvalidProviderConfig(f"{f.name} does not apply to {kind}", field=f"settings.{f.name}")
    changes: dict[str, object] = {}
    for name in ("base_url", "callback_base_url"):
        value = getattr(settings, name)
        if value is not None:
            changes[name] = _url(value, name)
    if kind is ProviderKind.TWILIO:
        if not settings.account_sid or not _ACCOUNT_SID.match(settings.account_sid):
            raise InvalidProviderConfig("account_sid must be AC and 32 hex digits", field="settings.account_sid")
        if settings.from_number is None and settings.messaging_service_sid is None:
            raise InvalidProviderConfig(
                "from_number or messaging_service_sid is required", field="settings.from_number"
            )
        if settings.from_number is not None and not _E164.match(settings.from_number):
            raise InvalidProviderConfig("from_number must be E.164 (+ and digits)", field="settings.from_number")
        if settings.messaging_service_sid is not None and not _SERVICE_SID.match(settings.messaging_service_sid):
            raise InvalidProviderConfig(
                "messaging_service_sid must be MG and 32 hex digits", field="settings.messaging_service_sid"
            )
    elif kind is ProviderKind.WHATSAPP_CLOUD:
        if not settings.phone_number_id or not settings.phone_number_id.isdigit() or len(settings.phone_number_id) > 32:
            raise InvalidProviderConfig("phone_number_id must be digits", field="settings.phone_number_id")
        version = settings.api_version or DEFAULT_WHATSAPP_API_VERSION
        if not _API_VERSION.match(version):
            raise InvalidProviderConfig("api_version must look like v21.0", field="settings.api_version")
        changes["api_version"] = version
    elif kind is ProviderKind.SMTP:
        if not settings.smtp_host or not _HOST.match(settings.smtp_host):
            raise InvalidProviderConfig("smtp_host must be a host name or address", field="settings.smtp_host")
        port = settings.smtp_port or DEFAULT_SMTP_PORT
        if not 1 <= port <= 65535:
            raise InvalidProviderConfig("smtp_port must be 1 to 65535", field="settings.smtp_port")
        if not settings.from_address or not _EMAIL.match(settings.from_address):
            raise InvalidProviderConfig("from_address must be an email address", field="settings.from_address")
        changes.update(smtp_port=port, smtp_security=settings.smtp_security or SmtpSecurity.STARTTLS)
    return replace(settings, **changes)  # type: ignore[arg-type]


def _merge_secrets(kind: ProviderKind, changes: Mapping[str, str | None], kept: ProviderSecrets) -> ProviderSecrets:
    allowed = SECRETS_OF_KIND[kind]
    values = {name: value for name, value in kept.values.items() if name in allowed}
    for name, value in changes.items():
        if name not in allowed:
            raise InvalidProviderConfig(f"{name} does not apply to {kind}", field=f"secrets.{name}")
        if value is None:
            values.pop(name, None)
        elif not value.strip() or len(value) > 4096:
            raise InvalidProviderConfig(f"{name} must be 1 to 4096 characters", field=f"secrets.{name}")
        else:
            values[name] = value
    required = {ProviderKind.TWILIO: "auth_token", ProviderKind.WHATSAPP_CLOUD: "access_token"}.get(kind)
    if required is not None and required not in values:
        raise InvalidProviderConfig(f"{required} is required for {kind}", field=f"secrets.{required}")
    return ProviderSecrets(values)


@dataclass(kw_only=True, eq=False)
class ProviderConfig:
    """The provider a tenant chose for one channel (at most one per tenant and channel)."""

    tenant_id: TenantId
    channel: Channel
    kind: ProviderKind
    settings: ProviderSettings
    secrets: ProviderSecrets = field(repr=False)
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def configure(
        cls,
        *,
        tenant_id: TenantId,
        channel: Channel,
        kind: ProviderKind,
        settings: ProviderSettings,
        secrets: Mapping[str, str | None],
        now: datetime,
        current: "ProviderConfig | None" = None,
    ) -> "ProviderConfig":
        """A new configuration, or ``current`` replaced (its version moves on). Secrets left out
        of ``secrets`` keep their stored value when the kind stays the same (they cannot be read
        back to be sent again); ``None`` clears one. Raises :class:`InvalidProviderConfig` naming
        the field (``kind``, ``settings.from_number``, ``secrets.auth_token`` ...)."""
        if kind not in KINDS_OF_CHANNEL[channel]:
            raise InvalidProviderConfig(f"{kind} cannot carry {channel} messages", field="kind")
        kept = current.secrets if current is not None and current.kind is kind else ProviderSecrets()
        checked = _check(kind, settings)
        merged = _merge_secrets(kind, secrets, kept)
        if kind is ProviderKind.SMTP and merged.get("smtp_password") and not checked.smtp_username:
            raise InvalidProviderConfig("smtp_password needs smtp_username", field="settings.smtp_username")
        return cls(
            tenant_id=tenant_id,
            channel=channel,
            kind=kind,
            settings=checked,
            secrets=merged,
            version=current.version + 1 if current is not None else 1,
            created_at=current.created_at if current is not None else now,
            updated_at=now,
        )
