"""SQL adapters of the communications context's providers part: the tenant's provider
configurations (built with the caller's ``TenantId``, which leads every statement) and the
credentials look-up of the webhook routes (by the tenant named in the URL)."""

from collections.abc import Sequence
from dataclasses import fields
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from prm.adapters.sql.communications_providers_tables import communication_provider_configs as _c
from prm.adapters.sql.connection import SqlConnection, SqlDatabase
from prm.application.communications.providers_ports import (
    ProviderConfigRepository,
    ProviderCredentials,
    ProviderCredentialsLookup,
)
from prm.domain.communications.channels import Channel
from prm.domain.communications.providers import (
    ProviderConfig,
    ProviderKind,
    ProviderSecrets,
    ProviderSettings,
    SmtpSecurity,
)
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import TenantId


def _settings_document(settings: ProviderSettings) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for f in fields(settings):
        value = getattr(settings, f.name)
        if value is not None:
            document[f.name] = str(value) if isinstance(value, SmtpSecurity) else value
    return document


def _settings(document: dict[str, Any]) -> ProviderSettings:
    known = {f.name for f in fields(ProviderSettings)}
    values = {name: value for name, value in document.items() if name in known}
    if values.get("smtp_security") is not None:
        values["smtp_security"] = SmtpSecurity(values["smtp_security"])
    return ProviderSettings(**values)


def _config(row: Any) -> ProviderConfig:
    m = row._mapping
    return ProviderConfig(
        tenant_id=TenantId(m["tenant_id"]),
        channel=Channel(m["channel"]),
        kind=ProviderKind(m["kind"]),
        settings=_settings(m["settings"]),
        secrets=ProviderSecrets(dict(m["secrets"])),
        version=m["version"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


class SqlProviderConfigRepository(ProviderConfigRepository):
    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def get(self, channel: Channel) -> ProviderConfig | None:
        statement = sa.select(_c).where(_c.c.tenant_id == self._tenant_id, _c.c.channel == channel.value)
        row = (await self._connection.execute(statement)).first()
        return _config(row) if row else None

    async def all(self) -> Sequence[ProviderConfig]:
        rows = await self._connection.execute(
            sa.select(_c).where(_c.c.tenant_id == self._tenant_id).order_by(_c.c.channel)
        )
        return [_config(row) for row in rows]

    async def save(self, config: ProviderConfig) -> None:
        values = {
            "kind": config.kind.value,
            "settings": _settings_document(config.settings),
            "secrets": dict(config.secrets.values),
            "version": config.version,
            "updated_at": config.updated_at,
        }
        mine = (_c.c.tenant_id == self._tenant_id, _c.c.channel == config.channel.value)
        if config.version == 1:
            exists = (await self._connection.execute(sa.select(_c.c.version).where(*mine))).first()
            if exists is not None:
                raise StaleVersion(f"the {config.channel} provider was configured by someone else meanwhile")
            row = {"tenant_id": self._tenant_id, "channel": config.channel.value, "created_at": config.created_at}
            try:
                await self._connection.execute(sa.insert(_c), {**row, **values})
            except IntegrityError as exc:  # the primary key: a concurrent first configuration
                raise StaleVersion(f"the {config.channel} provider was configured by someone else meanwhile") from exc
            return
        statement = sa.update(_c).where(*mine, _c.c.version == config.version - 1).values(values)
        if (await self._connection.execute(statement)).rowcount != 1:
            raise StaleVersion(f"the {config.channel} provider was changed by someone else meanwhile")

    async def remove(self, channel: Channel) -> bool:
        statement = sa.delete(_c).where(_c.c.tenant_id == self._tenant_id, _c.c.channel == channel.value)
        return (await self._connection.execute(statement)).rowcount > 0


def credentials_of(config: ProviderConfig) -> ProviderCredentials:
    return ProviderCredentials(
        tenant_id=config.tenant_id,
        channel=config.channel,
        kind=config.kind,
        callback_base_url=config.settings.callback_base_url,
        auth_token=config.secrets.get("auth_token"),
        app_secret=config.secrets.get("app_secret"),
        verify_token=config.secrets.get("verify_token"),
        account_sid=config.settings.account_sid,
        phone_number_id=config.settings.phone_number_id,
    )


class SqlProviderCredentialsLookup(ProviderCredentialsLookup):
    """Reads in a short transaction of its own, bound to the tenant (row-level security)."""

    def __init__(self, database: SqlDatabase) -> None:
        self._database = database

    async def credentials(self, tenant_id: UUID, channel: Channel) -> ProviderCredentials | None:
        async with self._database.connect(tenant_id) as connection:
            config = await SqlProviderConfigRepository(connection, TenantId(tenant_id)).get(channel)
        return credentials_of(config) if config is not None else None
