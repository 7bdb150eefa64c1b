"""SQL adapter of the identity context's users, filtered by the tenant it was built with."""

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.constraints import raise_domain_error
from prm.adapters.sql.identity_tables import users
from prm.application.identity.ports import UserRepository
from prm.application.shared.paging import Page, PageRequest
from prm.domain.identity.model import User, UserId, email_key
from prm.domain.shared.ids import TenantId


def user_from_row(row: Mapping[Any, Any]) -> User:
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


class SqlUserRepository(UserRepository):
    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def add(self, user: User) -> None:
        try:
            await self._connection.execute(sa.insert(users).values(**_user_row(user)))
        except IntegrityError as exc:
            raise_domain_error(exc)  # DuplicateEmail; an unknown tenant's foreign key goes on

    async def get(self, user_id: UserId) -> User | None:
        query = sa.select(users).where(users.c.tenant_id == self._tenant_id, users.c.id == user_id)
        row = (await self._connection.execute(query)).mappings().first()
        return user_from_row(row) if row else None

    async def save(self, user: User) -> None:
        row = _user_row(user)
        try:
            await self._connection.execute(
                sa.update(users)
                .where(users.c.tenant_id == self._tenant_id, users.c.id == user.id)
                .values({k: v for k, v in row.items() if k not in {"tenant_id", "id", "created_at"}})
            )
        except IntegrityError as exc:
            raise_domain_error(exc)  # DuplicateEmail; an unknown tenant's foreign key goes on

    async def list(self, page: PageRequest) -> Page[User]:
        scope = users.c.tenant_id == self._tenant_id
        total = (await self._connection.execute(sa.select(sa.func.count()).where(scope))).scalar_one()
        query = sa.select(users).where(scope).order_by(users.c.email_key).limit(page.page_size).offset(page.offset)
        rows = (await self._connection.execute(query)).mappings()
        return Page([user_from_row(r) for r in rows], total, page.page, page.page_size)

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
