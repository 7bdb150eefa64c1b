"""SQL adapters of the identity context's API keys: the tenant-scoped repository, and the
process-wide authenticator that finds a key by its digest across tenants."""

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from prm.adapters.sql.connection import SqlConnection, SqlDatabase
from prm.adapters.sql.identity_tables import api_keys, tenants
from prm.application.identity.ports import ApiKeyAuthenticator, ApiKeyIdentity, ApiKeyRepository, Secrets
from prm.application.shared.ports import Clock
from prm.domain.identity.errors import InvalidCredentials
from prm.domain.identity.model import ApiKey, ApiKeyId
from prm.domain.shared.ids import TenantId


def _api_key(row: Mapping[Any, Any]) -> ApiKey:
    return ApiKey(
        id=ApiKeyId(row["id"]),
        tenant_id=TenantId(row["tenant_id"]),
        name=row["name"],
        prefix=row["prefix"],
        key_hash=row["key_hash"],
        permissions=frozenset(row["permissions"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
        revoked_at=row["revoked_at"],
    )


class SqlApiKeyRepository(ApiKeyRepository):
    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def add(self, key: ApiKey) -> None:
        await self._connection.execute(
            sa.insert(api_keys).values(
                tenant_id=self._tenant_id,
                id=key.id,
                name=key.name,
                prefix=key.prefix,
                key_hash=key.key_hash,
                permissions=sorted(key.permissions),
                created_by=key.created_by,
                created_at=key.created_at,
                last_used_at=key.last_used_at,
                revoked_at=key.revoked_at,
            )
        )

    async def get(self, key_id: ApiKeyId) -> ApiKey | None:
        query = sa.select(api_keys).where(api_keys.c.tenant_id == self._tenant_id, api_keys.c.id == key_id)
        row = (await self._connection.execute(query)).mappings().first()
        return _api_key(row) if row else None

    async def list(self) -> Sequence[ApiKey]:
        query = sa.select(api_keys).where(api_keys.c.tenant_id == self._tenant_id)
        return [_api_key(r) for r in (await self._connection.execute(query)).mappings()]

    async def save(self, key: ApiKey) -> None:
        await self._connection.execute(
            sa.update(api_keys)
            .where(api_keys.c.tenant_id == self._tenant_id, api_keys.c.id == key.id)
            .values(name=key.name, revoked_at=key.revoked_at, last_used_at=key.last_used_at)
        )


LAST_USED_RESOLUTION_SECONDS = 60
"""``last_used_at`` is written at most once a minute per key, not on every call."""


class SqlApiKeyAuthenticator(ApiKeyAuthenticator):
    """Process-wide: checks a key on a short connection of its own (before any unit of work,
    since the unit of work needs the tenant the key names)."""

    def __init__(self, database: SqlDatabase, secrets: Secrets, clock: Clock) -> None:
        self._database = database
        self._secrets = secrets
        self._clock = clock

    async def authenticate(self, secret: str) -> ApiKeyIdentity:
        query = (
            sa.select(
                api_keys.c.id,
                api_keys.c.tenant_id,
                api_keys.c.permissions,
                api_keys.c.last_used_at,
                tenants.c.phone_region,
            )
            .join(tenants, tenants.c.id == api_keys.c.tenant_id)
            .where(api_keys.c.key_hash == self._secrets.digest(secret), api_keys.c.revoked_at.is_(None))
            .where(tenants.c.is_active)
        )
        now = self._clock.now()
        async with self._database.connect() as connection:
            row = (await connection.execute(query)).first()
            if row is None:
                raise InvalidCredentials("the API key is unknown or revoked")
            if row.last_used_at is None or (now - row.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
                await connection.execute(
                    sa.update(api_keys)
                    .where(api_keys.c.tenant_id == row.tenant_id, api_keys.c.id == row.id)
                    .values(last_used_at=now)
                )
                await connection.commit()
        return ApiKeyIdentity(
            key_id=ApiKeyId(row.id),
            tenant_id=TenantId(row.tenant_id),
            permissions=frozenset(row.permissions),
            phone_region=row.phone_region,
        )
