"""SQL adapters of signing in and sessions: accounts looked up by email, refresh tokens by digest.

Both look up by credential across tenants (an email, a token digest), before any tenant is known.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.identity_roles import SqlRoleRepository
from prm.adapters.sql.identity_tables import refresh_tokens, tenants, users
from prm.adapters.sql.identity_tenants import tenant_from_row
from prm.adapters.sql.identity_users import user_from_row
from prm.application.identity.ports import Accounts, RefreshRecord, RefreshTokens
from prm.domain.identity.model import Role, Tenant, User, UserId, email_key
from prm.domain.shared.ids import TenantId


class SqlAccounts(Accounts):
    def __init__(self, connection: SqlConnection) -> None:
        self._connection = connection

    async def find_by_email(self, email: str, tenant_slug: str | None) -> Sequence[tuple[User, Tenant]]:
        query = (
            sa.select(users, *[c.label(f"t_{c.name}") for c in tenants.c])
            .join(tenants, tenants.c.id == users.c.tenant_id)
            .where(users.c.email_key == email_key(email), users.c.is_active, tenants.c.is_active)
            .order_by(tenants.c.slug)
            .limit(10)
        )
        if tenant_slug:
            query = query.where(tenants.c.slug == tenant_slug.strip().lower())
        return [self._pair(r) for r in (await self._connection.execute(query)).mappings()]

    @staticmethod
    def _pair(row: Mapping[Any, Any]) -> tuple[User, Tenant]:
        return user_from_row(row), tenant_from_row({c.name: row[f"t_{c.name}"] for c in tenants.c})

    async def get(self, tenant_id: TenantId, user_id: UserId) -> tuple[User, Tenant] | None:
        query = (
            sa.select(users, *[c.label(f"t_{c.name}") for c in tenants.c])
            .join(tenants, tenants.c.id == users.c.tenant_id)
            .where(users.c.tenant_id == tenant_id, users.c.id == user_id, users.c.is_active, tenants.c.is_active)
        )
        row = (await self._connection.execute(query)).mappings().first()
        return self._pair(row) if row else None

    async def custom_roles(self, tenant_id: TenantId, names: Iterable[str]) -> Sequence[Role]:
        return await SqlRoleRepository(self._connection, tenant_id).get_many_by_name(names)

    async def record_login(self, tenant_id: TenantId, user_id: UserId, at: datetime) -> None:
        await self._connection.execute(
            sa.update(users).where(users.c.tenant_id == tenant_id, users.c.id == user_id).values(last_login_at=at)
        )


class SqlRefreshTokens(RefreshTokens):
    def __init__(self, connection: SqlConnection) -> None:
        self._connection = connection

    async def add(self, record: RefreshRecord) -> None:
        await self._connection.execute(
            sa.insert(refresh_tokens).values(
                id=record.id,
                family_id=record.family_id,
                tenant_id=record.tenant_id,
                user_id=record.user_id,
                token_hash=record.token_hash,
                issued_at=record.issued_at,
                expires_at=record.expires_at,
            )
        )

    async def find(self, token_hash: str) -> RefreshRecord | None:
        query = sa.select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash)
        row = (await self._connection.execute(query)).mappings().first()
        if row is None:
            return None
        return RefreshRecord(
            id=row["id"],
            family_id=row["family_id"],
            tenant_id=TenantId(row["tenant_id"]),
            user_id=UserId(row["user_id"]),
            token_hash=row["token_hash"],
            issued_at=row["issued_at"],
            expires_at=row["expires_at"],
            used_at=row["used_at"],
            revoked_at=row["revoked_at"],
        )

    async def mark_used(self, record_id: UUID, at: datetime) -> bool:
        result = await self._connection.execute(
            sa.update(refresh_tokens)
            .where(
                refresh_tokens.c.id == record_id,
                refresh_tokens.c.used_at.is_(None),
                refresh_tokens.c.revoked_at.is_(None),
            )
            .values(used_at=at)
        )
        return bool(result.rowcount)

    async def revoke_family(self, family_id: UUID, at: datetime) -> None:
        await self._connection.execute(
            sa.update(refresh_tokens)
            .where(refresh_tokens.c.family_id == family_id, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    async def revoke_user(self, tenant_id: TenantId, user_id: UserId, at: datetime) -> None:
        await self._connection.execute(
            sa.update(refresh_tokens)
            .where(
                refresh_tokens.c.tenant_id == tenant_id,
                refresh_tokens.c.user_id == user_id,
                refresh_tokens.c.revoked_at.is_(None),
            )
            .values(revoked_at=at)
        )

    async def purge(self, tenant_id: TenantId, now: datetime, revoked_before: datetime) -> int:
        result = await self._connection.execute(
            sa.delete(refresh_tokens).where(
                refresh_tokens.c.tenant_id == tenant_id,
                sa.or_(refresh_tokens.c.expires_at < now, refresh_tokens.c.revoked_at < revoked_before),
            )
        )
        return result.rowcount
