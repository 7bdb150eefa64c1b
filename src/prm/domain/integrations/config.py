"""The configuration of an outside system that exchanges events with PRM (reference API:
"Integration Configurations").

Rules:

- ``source_system`` as for events (lower case, see :mod:`prm.domain.integrations.model`), one
  configuration per source system and tenant (the repository enforces uniqueness);
- ``name`` 1 to 200 characters, ``description`` at most 2,000;
- ``api_url`` an absolute ``http`` or ``https`` URL of at most 2,048 characters, or none;
- ``settings`` a JSON object of at most 16 KiB encoded (timeouts, retry counts ...);
- ``secrets`` at most 20 named strings (``api_key`` ...): names of 1 to 64 letters, digits, ``_``,
  ``.`` or ``-``, values of 1 to 4,096 characters. They are write-only: PRM uses them to call the
  system, and answers only which names are set;
- ``rate_limit_per_hour`` 1 to 10,000,000 events an hour (default :data:`DEFAULT_RATE_LIMIT_PER_HOUR`),
  applied to the system's events while the configuration ``is_active``.
"""

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from prm.domain.integrations.errors import InvalidIntegrationConfig, InvalidIntegrationEvent
from prm.domain.integrations.ids import IntegrationConfigId
from prm.domain.integrations.model import source_system_of
from prm.domain.shared.ids import TenantId, new_id

DEFAULT_RATE_LIMIT_PER_HOUR = 1000
"""Events an hour a source system may send when no active configuration says otherwise (the
reference API's "1000 requests/hour per source system")."""
MAX_RATE_LIMIT_PER_HOUR = 10_000_000
MAX_NAME_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 2000
MAX_URL_LENGTH = 2048
MAX_SETTINGS_BYTES = 16 * 1024
MAX_SECRETS = 20
MAX_SECRET_LENGTH = 4096
SECRET_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"  # noqa: S105 - a pattern, not a secret
_SECRET_NAME = re.compile(SECRET_NAME_PATTERN)

EDITABLE = ("name", "source_system", "description", "api_url", "is_active", "settings", "rate_limit_per_hour")
"""The fields :meth:`IntegrationConfig.revise` changes (secrets have :meth:`IntegrationConfig.set_secrets`)."""


def _name(value: str) -> str:
    text = value.strip()
    if not 1 <= len(text) <= MAX_NAME_LENGTH:
        raise InvalidIntegrationConfig(f"name must be 1 to {MAX_NAME_LENGTH} characters", field="name")
    return text


def _description(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    if len(value) > MAX_DESCRIPTION_LENGTH:
        raise InvalidIntegrationConfig(
            f"description must be at most {MAX_DESCRIPTION_LENGTH} characters", field="description"
        )
    return value.strip()


def _api_url(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    url = value.strip()
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise InvalidIntegrationConfig("api_url must be an http or https URL", field="api_url") from exc
    if len(url) > MAX_URL_LENGTH or parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InvalidIntegrationConfig(
            f"api_url must be an absolute http or https URL of at most {MAX_URL_LENGTH} characters", field="api_url"
        )
    return url


def _settings(value: object) -> Mapping[str, Any]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise InvalidIntegrationConfig("settings must be a JSON object", field="settings")
    try:
        size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode())
    except (TypeError, ValueError) as exc:
        raise InvalidIntegrationConfig("settings must be a JSON object", field="settings") from exc
    if size > MAX_SETTINGS_BYTES:
        raise InvalidIntegrationConfig(f"settings must be at most {MAX_SETTINGS_BYTES} bytes encoded", field="settings")
    return dict(value)


def _rate_limit(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_RATE_LIMIT_PER_HOUR:
        raise InvalidIntegrationConfig(
            f"rate_limit_per_hour must be a whole number from 1 to {MAX_RATE_LIMIT_PER_HOUR}",
            field="rate_limit_per_hour",
        )
    return value


def _source(value: str) -> str:
    try:
        return source_system_of(value)
    except InvalidIntegrationEvent as exc:
        raise InvalidIntegrationConfig(exc.detail, field="source_system") from exc


def _secrets(current: Mapping[str, str], changes: Mapping[str, str | None]) -> dict[str, str]:
    result = dict(current)
    for name, secret in changes.items():
        if not isinstance(name, str) or not _SECRET_NAME.match(name):
            raise InvalidIntegrationConfig(
                "secret names are 1 to 64 letters, digits, '_', '.' or '-'", field=f"secrets.{name}"
            )
        if secret is None:
            result.pop(name, None)
        elif not isinstance(secret, str) or not 1 <= len(secret) <= MAX_SECRET_LENGTH:
            raise InvalidIntegrationConfig(
                f"a secret is a string of 1 to {MAX_SECRET_LENGTH} characters", field=f"secrets.{name}"
            )
        else:
            result[name] = secret
    if len(result) > MAX_SECRETS:
        raise InvalidIntegrationConfig(f"at most {MAX_SECRETS} secrets", field="secrets")
    return result


@dataclass(kw_only=True, eq=False)
class IntegrationConfig:
    """How PRM knows one outside system of a tenant."""

    id: IntegrationConfigId
    tenant_id: TenantId
    name: str
    source_system: str
    description: str | None
    api_url: str | None
    is_active: bool
    settings: Mapping[str, Any]
    secrets: Mapping[str, str]
    rate_limit_per_hour: int
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def create(
        cls,
        *,
        tenant_id: TenantId,
        name: str,
        source_system: str,
        now: datetime,
        description: str | None = None,
        api_url: str | None = None,
        is_active: bool = True,
        settings: object = None,
        secrets: Mapping[str, str | None] | None = None,
        rate_limit_per_hour: int = DEFAULT_RATE_LIMIT_PER_HOUR,
    ) -> "IntegrationConfig":
        """A new configuration checked against the module's rules (raises :class:`InvalidIntegrationConfig`)."""
        return cls(
            id=IntegrationConfigId(new_id()),
            tenant_id=tenant_id,
            name=_name(name),
            source_system=_source(source_system),
            description=_description(description),
            api_url=_api_url(api_url),
            is_active=bool(is_active),
            settings=_settings({} if settings is None else settings),
            secrets=_secrets({}, secrets or {}),
            rate_limit_per_hour=_rate_limit(rate_limit_per_hour),
            version=1,
            created_at=now,
            updated_at=now,
        )

    @property
    def secret_names(self) -> tuple[str, ...]:
        """The names of the secrets that are set, sorted (the values are never shown)."""
        return tuple(sorted(self.secrets))

    def revise(
        self, now: datetime, changes: Mapping[str, Any], secrets: Mapping[str, str | None] | None = None
    ) -> tuple[str, ...]:
        """Apply ``changes`` (fields of :data:`EDITABLE`) and ``secrets`` (a string sets a secret,
        ``None`` removes it); returns the names of the fields that changed (``secrets`` for any
        secret), and bumps the version if any did. Raises :class:`InvalidIntegrationConfig`."""
        unknown = sorted(set(changes) - set(EDITABLE))
        if unknown:
            raise InvalidIntegrationConfig(f"cannot change {', '.join(unknown)}", field=unknown[0])
        checks: dict[str, Callable[[Any], Any]] = {
            "name": _name,
            "source_system": _source,
            "description": _description,
            "api_url": _api_url,
            "is_active": bool,
            "settings": _settings,
            "rate_limit_per_hour": _rate_limit,
        }
        new = {name: checks[name](value) for name, value in changes.items()}
        changed = [name for name, value in new.items() if getattr(self, name) != value]
        new_secrets = _secrets(self.secrets, secrets or {})
        if new_secrets != self.secrets:
            changed.append("secrets")
            self.secrets = new_secrets
        for name in changed:
            if name != "secrets":
                setattr(self, name, new[name])
        if changed:
            self.version += 1
            self.updated_at = now
        return tuple(changed)
