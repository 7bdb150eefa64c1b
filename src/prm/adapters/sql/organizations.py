"""SQL adapters of the organisations context: the repository (aggregates, hierarchy look-ups) and
the finder (lists).

Both are built with the caller's ``TenantId`` and put it in every statement. Rows and aggregates
are mapped field by field in :func:`_to_row` / :func:`_from_row`; the derived columns are written
here: ``name_key`` (the folded name, for sorting and search), ``code_key`` (the lower-cased code,
for uniqueness in any case and search) and ``city_key`` (the folded city of the address, for the
exact, case- and accent-insensitive filter). A would-be parent and everything above it is read
with one recursive query.
"""

from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.constraints import raise_domain_error
from prm.adapters.sql.like import contains
from prm.adapters.sql.organizations_tables import organizations
from prm.adapters.sql.paging import fetch_page
from prm.application.organizations.ports import OrganizationCriteria, OrganizationFinder, OrganizationRepository
from prm.application.shared.paging import Page, PageRequest
from prm.domain.organizations.ids import OrganizationId
from prm.domain.organizations.model import (
    Organization,
    OrganizationDetails,
    OrganizationStatus,
    OrganizationType,
    ParentOrganization,
    code_key,
)
from prm.domain.shared.contact import Address
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import TenantId
from prm.domain.shared.text import fold

_t = organizations.c
_KEY_LENGTH = 200
_MAX_DEPTH = 1_000
"""Where the walk up a hierarchy stops: the rules keep hierarchies free of cycles, and this bounds
the query should two concurrent moves ever have made one."""


def _to_row(organization: Organization) -> dict[str, Any]:
    d = organization.details
    return {
        "tenant_id": organization.tenant_id,
        "id": organization.id,
        "name": d.name,
        "name_key": d.sort_key[:_KEY_LENGTH],
        "code": d.code,
        "code_key": d.code_key,
        "type": d.type.value,
        "part_of": d.part_of,
        "address": msgspec.to_builtins(d.address) if d.address else None,
        "city_key": fold(d.city)[:_KEY_LENGTH] if d.city else None,
        "phone": d.phone,
        "email": d.email,
        "status": d.status.value,
        "version": organization.version,
        "created_at": organization.created_at,
        "updated_at": organization.updated_at,
    }


def _from_row(row: sa.Row[Any]) -> Organization:
    m = row._mapping
    details = OrganizationDetails(
        name=m["name"],
        code=m["code"],
        type=OrganizationType(m["type"]),
        part_of=OrganizationId(m["part_of"]) if m["part_of"] is not None else None,
        address=msgspec.convert(m["address"], Address) if m["address"] is not None else None,
        phone=m["phone"],
        email=m["email"],
        status=OrganizationStatus(m["status"]),
    )
    return Organization(
        id=OrganizationId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        details=details,
        version=m["version"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


_UPDATABLE = tuple(c.name for c in organizations.columns if c.name not in {"tenant_id", "id", "created_at"})


class SqlOrganizationRepository(OrganizationRepository):
    """Organisations of one tenant in the ``organizations`` table."""

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def _one(self, condition: sa.ColumnElement[bool]) -> Organization | None:
        statement = sa.select(organizations).where(_t.tenant_id == self._tenant_id, condition)
        row = (await self._connection.execute(statement)).first()
        return _from_row(row) if row else None

    async def add(self, organization: Organization) -> None:
        try:
            await self._connection.execute(sa.insert(organizations).values(**_to_row(organization)))
        except IntegrityError as exc:
            raise_domain_error(exc)

    async def get(self, organization_id: OrganizationId) -> Organization | None:
        return await self._one(_t.id == organization_id)

    async def get_by_code(self, code: str) -> Organization | None:
        return await self._one(_t.code_key == code_key(code))

    async def parent(self, organization_id: OrganizationId) -> ParentOrganization | None:
        chain = (
            sa.select(_t.id, _t.type, _t.part_of, sa.literal_column("0", sa.Integer).label("depth"))
            .where(_t.tenant_id == self._tenant_id, _t.id == organization_id)
            .cte("chain", recursive=True)
        )
        up = organizations.alias("up")
        chain = chain.union_all(
            sa.select(up.c.id, up.c.type, up.c.part_of, chain.c.depth + sa.literal_column("1", sa.Integer)).where(
                up.c.tenant_id == self._tenant_id,
                up.c.id == chain.c.part_of,
                chain.c.depth < sa.literal_column(str(_MAX_DEPTH), sa.Integer),
            )
        )
        rows = (await self._connection.execute(sa.select(chain.c.id, chain.c.type).order_by(chain.c.depth))).all()
        if not rows:
            return None
        return ParentOrganization(
            id=OrganizationId(rows[0].id),
            type=OrganizationType(rows[0].type),
            ancestors=tuple(OrganizationId(r.id) for r in rows[1:]),
        )

    async def child_types(self, organization_id: OrganizationId) -> frozenset[OrganizationType]:
        rows = await self._connection.execute(
            sa.select(_t.type).distinct().where(_t.tenant_id == self._tenant_id, _t.part_of == organization_id)
        )
        return frozenset(OrganizationType(t) for (t,) in rows)

    async def save(self, organization: Organization, *, expected_version: int) -> None:
        row = _to_row(organization)
        try:
            result = await self._connection.execute(
                sa.update(organizations)
                .where(_t.tenant_id == self._tenant_id, _t.id == organization.id, _t.version == expected_version)
                .values({c: row[c] for c in _UPDATABLE})
            )
        except IntegrityError as exc:
            raise_domain_error(exc)
        if result.rowcount != 1:
            raise StaleVersion("the organization was changed by someone else: reload it and apply the change again")

    async def remove(self, organization: Organization) -> None:
        try:
            result = await self._connection.execute(
                sa.delete(organizations).where(
                    _t.tenant_id == self._tenant_id, _t.id == organization.id, _t.version == organization.version
                )
            )
        except IntegrityError as exc:
            raise_domain_error(exc)
        if result.rowcount != 1:
            raise StaleVersion("the organization was changed or deleted by someone else: reload it")


class SqlOrganizationFinder(OrganizationFinder):
    """Lists over one tenant's ``organizations`` rows."""

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def _conditions(self, criteria: OrganizationCriteria) -> list[sa.ColumnElement[bool]]:
        where: list[sa.ColumnElement[bool]] = [_t.tenant_id == self._tenant_id]
        if criteria.type is not None:
            where.append(_t.type == criteria.type.value)
        if criteria.part_of is not None:
            where.append(_t.part_of == criteria.part_of)
        if criteria.status is not None:
            where.append(_t.status == criteria.status.value)
        if criteria.city is not None:
            where.append(_t.city_key == criteria.city)
        if criteria.search is not None:
            where.append(sa.or_(contains(_t.name_key, criteria.search), contains(_t.code_key, criteria.search)))
        return where

    async def find(self, criteria: OrganizationCriteria, page: PageRequest) -> Page[Organization]:
        return await fetch_page(
            self._connection, organizations, self._conditions(criteria), (_t.name_key, _t.id), page, _from_row
        )
