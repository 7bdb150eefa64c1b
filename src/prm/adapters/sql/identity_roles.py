"""SQL adapter of the identity context's custom roles, filtered by the tenant it was built with."""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.identity_tables import roles
from prm.application.identity.ports import RoleRepository
from prm.domain.identity.errors import DuplicateRole
from prm.domain.identity.model import Role, RoleId
from prm.domain.shared.ids import TenantId


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
