"""SQL adapter of the identity context's tenants (not tenant-scoped: a tenant is the scope)."""

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.identity_tables import tenants
from prm.application.identity.ports import TenantRepository
from prm.domain.identity.errors import DuplicateSlug
from prm.domain.identity.model import Tenant
from prm.domain.shared.ids import TenantId


def tenant_from_row(row: Mapping[Any, Any]) -> Tenant:
    return Tenant(
        id=TenantId(row["id"]),
        name=row["name"],
        slug=row["slug"],
        time_zone=row["time_zone"],
        phone_region=row["phone_region"],
        is_active=row["is_active"],
        created_at=row["created_at"],
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
        return tenant_from_row(row) if row else None

    async def get_by_slug(self, slug: str) -> Tenant | None:
        query = sa.select(tenants).where(tenants.c.slug == slug.strip().lower())
        row = (await self._connection.execute(query)).mappings().first()
        return tenant_from_row(row) if row else None

    async def list(self) -> Sequence[Tenant]:
        rows = (await self._connection.execute(sa.select(tenants).order_by(tenants.c.slug))).mappings()
        return [tenant_from_row(r) for r in rows]
