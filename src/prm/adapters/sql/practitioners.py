"""SQL adapters of the practitioners context: the repository (aggregates) and the finder (lists).

Both are built with the caller's ``TenantId`` and put it in every statement. Rows and
aggregates are mapped field by field in :func:`_to_row` / :func:`practitioner_from_row`; the derived search
columns are written here: ``name_key`` (folded ``"last first"``, for sorting), ``name_tokens``
(``" tok1 tok2 "``, folded tokens of first, middle and last names, for prefix search) and
``speciality_key`` (the folded speciality, for the exact, case- and accent-insensitive filter).
"""

from collections.abc import Iterable, Sequence
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from prm.adapters.sql.bulk import insert_rows
from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.constraints import raise_domain_error
from prm.adapters.sql.like import contains
from prm.adapters.sql.paging import fetch_page
from prm.adapters.sql.practitioners_tables import practitioners
from prm.application.practitioners.ports import (
    PractitionerCriteria,
    PractitionerFinder,
    PractitionerRepository,
    PractitionerSummary,
)
from prm.application.shared.paging import Page, PageRequest
from prm.domain.practitioners.model import Organization, Practitioner, PractitionerDetails, display_name
from prm.domain.shared.contact import Address
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PractitionerId, TenantId
from prm.domain.shared.person import AdministrativeGender
from prm.domain.shared.text import fold

_NAME_KEY_LENGTH = 400
_t = practitioners.c


def _to_row(practitioner: Practitioner) -> dict[str, Any]:
    d = practitioner.details
    return {
        "tenant_id": practitioner.tenant_id,
        "id": practitioner.id,
        "external_id": d.external_id,
        "first_name": d.first_name,
        "middle_name": d.middle_name,
        "last_name": d.last_name,
        "prefix": d.prefix,
        "name_key": d.sort_key[:_NAME_KEY_LENGTH],
        "name_tokens": " " + " ".join(d.search_tokens()) + " ",
        "gender": d.gender.value,
        "qualification": d.qualification,
        "speciality": d.speciality,
        "speciality_key": fold(d.speciality) if d.speciality else None,
        "sub_speciality": d.sub_speciality,
        "license_number": d.license_number,
        "registration_number": d.registration_number,
        "phone_primary": d.phone_primary,
        "email_primary": d.email_primary,
        "address": msgspec.to_builtins(d.address) if d.address else None,
        "organization": msgspec.to_builtins(d.organization) if d.organization else None,
        "is_active": d.is_active,
        "meta_data": dict(d.meta_data),
        "version": practitioner.version,
        "created_at": practitioner.created_at,
        "updated_at": practitioner.updated_at,
    }


def practitioner_from_row(row: sa.Row[Any]) -> Practitioner:
    """A ``practitioners`` row as the domain's :class:`Practitioner`."""
    m = row._mapping
    details = PractitionerDetails(
        first_name=m["first_name"],
        middle_name=m["middle_name"],
        last_name=m["last_name"],
        prefix=m["prefix"],
        gender=AdministrativeGender(m["gender"]),
        qualification=m["qualification"],
        speciality=m["speciality"],
        sub_speciality=m["sub_speciality"],
        license_number=m["license_number"],
        registration_number=m["registration_number"],
        phone_primary=m["phone_primary"],
        email_primary=m["email_primary"],
        address=msgspec.convert(m["address"], Address) if m["address"] is not None else None,
        organization=msgspec.convert(m["organization"], Organization) if m["organization"] is not None else None,
        is_active=m["is_active"],
        meta_data=m["meta_data"] or {},
        external_id=m["external_id"],
    )
    return Practitioner(
        id=PractitionerId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        details=details,
        version=m["version"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


_UPDATABLE = tuple(c.name for c in practitioners.columns if c.name not in {"tenant_id", "id", "created_at"})


_EXISTS = sa.select(sa.literal(1)).where(_t.tenant_id == sa.bindparam("tenant_id"), _t.id == sa.bindparam("id"))
"""Built once: a constant statement is compiled once and runs as a prepared statement."""


class SqlPractitionerRepository(PractitionerRepository):
    """Practitioners of one tenant in the ``practitioners`` table."""

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def _scoped(self) -> sa.Select[Any]:
        return sa.select(practitioners).where(_t.tenant_id == self._tenant_id)

    async def _one(self, condition: sa.ColumnElement[bool]) -> Practitioner | None:
        row = (await self._connection.execute(self._scoped().where(condition))).first()
        return practitioner_from_row(row) if row else None

    async def add(self, practitioner: Practitioner) -> None:
        await self.add_many([practitioner])

    async def add_many(self, batch: Sequence[Practitioner]) -> None:
        if not batch:
            return
        try:
            await insert_rows(self._connection, practitioners, [_to_row(p) for p in batch])
        except IntegrityError as exc:
            raise_domain_error(exc)

    async def get(self, practitioner_id: PractitionerId) -> Practitioner | None:
        return await self._one(_t.id == practitioner_id)

    async def exists(self, practitioner_id: PractitionerId) -> bool:
        found = await self._connection.execute(_EXISTS, {"tenant_id": self._tenant_id, "id": practitioner_id})
        return found.first() is not None

    async def get_by_license_number(self, license_number: str) -> Practitioner | None:
        return await self._one(_t.license_number == license_number)

    async def get_by_external_id(self, external_id: str) -> Practitioner | None:
        return await self._one(_t.external_id == external_id)

    async def get_many_by_external_id(self, external_ids: Iterable[str]) -> dict[str, Practitioner]:
        wanted = list(external_ids)
        if not wanted:
            return {}
        rows = await self._connection.execute(self._scoped().where(_t.external_id.in_(wanted)))
        found = (practitioner_from_row(r) for r in rows)
        return {p.details.external_id: p for p in found if p.details.external_id is not None}

    async def get_many_by_license_number(self, license_numbers: Iterable[str]) -> dict[str, Practitioner]:
        wanted = list(license_numbers)
        if not wanted:
            return {}
        rows = await self._connection.execute(self._scoped().where(_t.license_number.in_(wanted)))
        found = (practitioner_from_row(r) for r in rows)
        return {p.details.license_number: p for p in found if p.details.license_number is not None}

    async def save(self, practitioner: Practitioner, *, expected_version: int) -> None:
        await self.save_many([(practitioner, expected_version)])

    async def save_many(self, batch: Sequence[tuple[Practitioner, int]]) -> None:
        if not batch:
            return
        statement = (
            sa.update(practitioners)
            .where(
                _t.tenant_id == sa.bindparam("b_tenant_id"),
                _t.id == sa.bindparam("b_id"),
                _t.version == sa.bindparam("b_version"),
            )
            .values({c: sa.bindparam(c) for c in _UPDATABLE})
        )
        params = []
        for practitioner, expected in batch:
            row = _to_row(practitioner)
            params.append(
                {
                    "b_tenant_id": self._tenant_id,
                    "b_id": practitioner.id,
                    "b_version": expected,
                    **{c: row[c] for c in _UPDATABLE},
                }
            )
        try:
            # Both supported drivers (psycopg 3, aiosqlite) report the summed rowcount of an executemany.
            result = await self._connection.execute(statement, params if len(params) > 1 else params[0])
        except IntegrityError as exc:
            raise_domain_error(exc)
        if result.rowcount != len(params):
            raise StaleVersion("a practitioner was changed by someone else: reload it and apply the change again")

    async def remove(self, practitioner: Practitioner) -> None:
        result = await self._connection.execute(
            sa.delete(practitioners).where(
                _t.tenant_id == self._tenant_id, _t.id == practitioner.id, _t.version == practitioner.version
            )
        )
        if result.rowcount != 1:
            raise StaleVersion("the practitioner was changed or deleted by someone else: reload it")


class SqlPractitionerFinder(PractitionerFinder):
    """Lists over one tenant's ``practitioners`` rows."""

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def _conditions(self, criteria: PractitionerCriteria) -> list[sa.ColumnElement[bool]]:
        where: list[sa.ColumnElement[bool]] = [_t.tenant_id == self._tenant_id]
        # " tok" inside " first middle last ": some name token starts with the prefix.
        where.extend(contains(_t.name_tokens, " " + prefix) for prefix in criteria.name_prefixes)
        if criteria.speciality is not None:
            where.append(_t.speciality_key == criteria.speciality)
        if criteria.is_active is not None:
            where.append(_t.is_active == criteria.is_active)
        return where

    async def find(self, criteria: PractitionerCriteria, page: PageRequest) -> Page[Practitioner]:
        return await fetch_page(
            self._connection,
            practitioners,
            self._conditions(criteria),
            (_t.name_key, _t.id),
            page,
            practitioner_from_row,
        )

    async def summaries(self, criteria: PractitionerCriteria, limit: int) -> Sequence[PractitionerSummary]:
        rows = await self._connection.execute(
            sa.select(_t.id, _t.prefix, _t.first_name, _t.last_name, _t.speciality, _t.is_active)
            .where(*self._conditions(criteria))
            .order_by(_t.name_key, _t.id)
            .limit(limit)
        )
        return [
            PractitionerSummary(
                id=PractitionerId(r.id),
                name=display_name(r.prefix, r.first_name, r.last_name),
                speciality=r.speciality,
                is_active=r.is_active,
            )
            for r in rows
        ]

    async def specialities(self) -> Sequence[str]:
        rows = await self._connection.execute(
            sa.select(_t.speciality).distinct().where(_t.tenant_id == self._tenant_id, _t.speciality.is_not(None))
        )
        return sorted((s for (s,) in rows), key=lambda s: (fold(s), s))
