"""Identity repositories on the unit of work's connection.

Tenant-scoped repositories filter every statement by the tenant they were built with. The
authentication side (``SqlAccounts``, ``SqlRefreshTokens``, ``SqlApiKeyAuthenticator``) looks
up by credential across tenants: an email, a token digest, a key digest.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, NoReturn
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from prm.adapters.sql.connection import SqlConnection, SqlDatabase
from prm.adapters.sql.identity_tables import api_keys, refresh_tokens, roles, tenants, users
from prm.application.identity.ports import (
    Accounts,
    ApiKeyAuthenticator,
    ApiKeyIdentity,
    ApiKeyRepository,
    RefreshRecord,
    RefreshTokens,
    RoleRepository,
    Secrets,
    TenantRepository,
    UserRepository,
)
from prm.application.shared.paging import Page, PageRequest
from prm.application.shared.ports import Clock
from prm.domain.identity.errors import DuplicateEmail, DuplicateRole, DuplicateSlug, InvalidCredentials
from prm.domain.identity.model import ApiKey, ApiKeyId, Role, RoleId, Tenant, User, UserId, email_key
from prm.domain.shared.ids import TenantId


def _tenant(row: Mapping[Any, Any]) -> Tenant:
    return Tenant(
        id=TenantId(row["id"]),
        name=row["name"],
        slug=row["slug"],
        time_zone=row["time_zone"],
        phone_region=row["phone_region"],
        is_active=row["is_active"],
        created_at=row["created_at"],
    )


def _user(row: Mapping[Any, Any]) -> User:
    return User(
        id=UserId(row["id"]),
        tenant_id=TenantId(row["tenant_id"]),
        email=row["email"],
        full_name=row["full_name"],
        password_hash=row["password_hash"],
        roles=tuple(row["roles"]),
        is_active=row["is_active"],
        last_login_at=row["last_login_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
        token_generation=row["token_generation"],
    )


def _user_row(user: User) -> dict[str, Any]:
    return {
        "tenant_id": user.tenant_id,
        "id": user.id,
        "email": user.email,
        "email_key": email_key(user.email),
        "full_name": user.full_name,
        "password_hash": user.password_hash,
        "roles": list(user.roles),
        "is_active": user.is_active,
        "last_login_at": user.last_login_at,
        "version": user.version,
        "token_generation": user.token_generation,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    }


def _role(row: Mapping[Any, Any]) -> Role:
    return Role(
        id=RoleId(row["id"]),
        tenant_id=TenantId(row["tenant_id"]),
        name=row["name"],
        description=row["description"],
        permissions=frozenset(row["permissions"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


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


class SqlTenantRepository(TenantRepository):
    def __init__(self, connection: SqlConnection) -> None:
        self._connection = connection

    async def add(self, tenant: Tenant) -> None:
        try:
            await self._connection.execute(
                sa.insert(tenants).values(
                    id=tenant.id,
                    name=tenant.name,
                    slug=tenant.slug,
                    time_zone=tenant.time_zone,
                    phone_region=tenant.phone_region,
                    is_active=tenant.is_active,
                    created_at=tenant.created_at,
                )
            )
        except IntegrityError as exc:
            raise DuplicateSlug(f"a tenant with slug {tenant.slug!r} or this id exists already") from exc

    async def get(self, tenant_id: TenantId) -> Tenant | None:
        row = (await self._connection.execute(sa.select(tenants).where(tenants.c.id == tenant_id))).mappings().first()
        return _tenant(row) if row else None

    async def get_by_slug(self, slug: str) -> Tenant | None:
        query = sa.select(tenants).where(tenants.c.slug == slug.strip().lower())
        row = (await self._connection.execute(query)).mappings().first()
        return _tenant(row) if row else None

    async def list(self) -> Sequence[Tenant]:
        rows = (await self._connection.execute(sa.select(tenants).order_by(tenants.c.slug))).mappings()
        return [_tenant(r) for r in rows]


def _raise_duplicate_email(exc: IntegrityError) -> NoReturn:
    """``DuplicateEmail`` for the (tenant, email) unique constraint; anything else (an unknown
    tenant's foreign key) is not the caller's input and goes on as it is."""
    if "email_key" in str(exc.orig):  # PostgreSQL names the constraint, SQLite the columns
        raise DuplicateEmail("the tenant has a user with this email already") from exc
    raise exc


class SqlUserRepository(UserRepository):
    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def add(self, user: User) -> None:
        try:
            await self._connection.execute(sa.insert(users).values(**_user_row(user)))
        except IntegrityError as exc:
            _raise_duplicate_email(exc)

    async def get(self, user_id: UserId) -> User | None:
        query = sa.select(users).where(users.c.tenant_id == self._tenant_id, users.c.id == user_id)
        row = (await self._connection.execute(query)).mappings().first()
        return _user(row) if row else None

    async def save(self, user: User) -> None:
        row = _user_row(user)
        try:
            await self._connection.execute(
                sa.update(users)
                .where(users.c.tenant_id == self._tenant_id, users.c.id == user.id)
                .values({k: v for k, v in row.items() if k not in {"tenant_id", "id", "created_at"}})
            )
        except IntegrityError as exc:
            _raise_duplicate_email(exc)

    async def list(self, page: PageRequest) -> Page[User]:
        scope = users.c.tenant_id == self._tenant_id
        total = (await self._connection.execute(sa.select(sa.func.count()).where(scope))).scalar_one()
        query = sa.select(users).where(scope).order_by(users.c.email_key).limit(page.page_size).offset(page.offset)
        rows = (await self._connection.execute(query)).mappings()
        return Page([_user(r) for r in rows], total, page.page, page.page_size)

    async def holding_role(self, role_name: str) -> int:
        query = sa.select(users.c.roles).where(users.c.tenant_id == self._tenant_id)
        return sum(1 for (held,) in await self._connection.execute(query) if role_name in held)

    async def lock_active_holders(self, role_name: str) -> Sequence[UserId]:
        # The text filter narrows the rows to lock (role names have no quotes); the exact test is in Python.
        query = (
            sa.select(users.c.id, users.c.roles)
            .where(users.c.tenant_id == self._tenant_id, users.c.is_active)
            .where(sa.cast(users.c.roles, sa.Text).contains(f'"{role_name}"'))
            .with_for_update()
        )
        return [UserId(user_id) for user_id, held in await self._connection.execute(query) if role_name in held]

    async def end_sessions_of_holders(self, role_name: str) -> Sequence[tuple[UserId, int]]:
        query = sa.select(users.c.id, users.c.roles).where(users.c.tenant_id == self._tenant_id)
        holders = [user_id for user_id, held in await self._connection.execute(query) if role_name in held]
        if not holders:
            return []
        result = await self._connection.execute(
            sa.update(users)
            .where(users.c.tenant_id == self._tenant_id, users.c.id.in_(holders))
            .values(token_generation=users.c.token_generation + 1)
            .returning(users.c.id, users.c.token_generation)
        )
        return [(UserId(user_id), generation) for user_id, generation in result]


class SqlRoleRepository(RoleRepository):
    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def _row(self, role: Role) -> dict[str, Any]:
        return {
            "tenant_id": self._tenant_id,
            "id": role.id,
            "name": role.name,
            "description": role.description,
            "permissions": sorted(role.permissions),
            "created_at": role.created_at,
            "updated_at": role.updated_at,
        }

    async def add(self, role: Role) -> None:
        try:
            await self._connection.execute(sa.insert(roles).values(**self._row(role)))
        except IntegrityError as exc:
            raise DuplicateRole(f"the tenant has a role named {role.name!r} already") from exc

    async def get(self, role_id: RoleId) -> Role | None:
        query = sa.select(roles).where(roles.c.tenant_id == self._tenant_id, roles.c.id == role_id)
        row = (await self._connection.execute(query)).mappings().first()
        return _role(row) if row else None

    async def get_many_by_name(self, names: Iterable[str]) -> Sequence[Role]:
        wanted = list(names)
        if not wanted:
            return []
        query = sa.select(roles).where(roles.c.tenant_id == self._tenant_id, roles.c.name.in_(wanted))
        return [_role(r) for r in (await self._connection.execute(query)).mappings()]

    async def list(self) -> Sequence[Role]:
        query = sa.select(roles).where(roles.c.tenant_id == self._tenant_id).order_by(roles.c.name)
        return [_role(r) for r in (await self._connection.execute(query)).mappings()]

    async def save(self, role: Role) -> None:
        row = self._row(role)
        await self._connection.execute(
            sa.update(roles)
            .where(roles.c.tenant_id == self._tenant_id, roles.c.id == role.id)
            .values(description=row["description"], permissions=row["permissions"], updated_at=row["updated_at"])
        )

    async def remove(self, role: Role) -> None:
        await self._connection.execute(
            sa.delete(roles).where(roles.c.tenant_id == self._tenant_id, roles.c.id == role.id)
        )


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
        return _user(row), _tenant({c.name: row[f"t_{c.name}"] for c in tenants.c})

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
