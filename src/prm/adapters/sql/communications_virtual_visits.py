"""SQL adapters of the virtual visits part: the tenant's visits, and the cross-tenant read of
one visit for the public join link.

:class:`SqlVirtualVisitRepository` is built with the caller's ``TenantId`` and puts it in every
statement; :class:`SqlVisitsForJoining` opens a connection bound to the tenant named by the
signed link (row-level security applies as for any unit of work).
"""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from prm.adapters.sql.communications_virtual_visits_tables import communications_virtual_visits as _v
from prm.adapters.sql.connection import SqlConnection, SqlDatabase
from prm.adapters.sql.paging import fetch_page
from prm.application.communications.virtual_visits_ports import (
    VirtualVisitRepository,
    VisitFilter,
    VisitsForJoining,
)
from prm.application.shared.paging import Page, PageRequest
from prm.domain.communications.virtual_visits import (
    ConsentDecision,
    VideoConsent,
    VirtualVisit,
    VirtualVisitId,
    VisitStatus,
    VisitWindow,
)
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PatientId, PractitionerId, TenantId

_KEY = ["tenant_id", "appointment_id"]
_SAVED = (
    "room_name",
    "status",
    "starts_at",
    "ends_at",
    "consent_status",
    "consent_recorded_at",
    "consent_source",
    "version",
    "updated_at",
    "revoked_at",
)


def _row(v: VirtualVisit) -> dict[str, Any]:
    return {
        "tenant_id": v.tenant_id,
        "id": v.id,
        "appointment_id": v.appointment_id,
        "patient_id": v.patient_id,
        "practitioner_id": v.practitioner_id,
        "provider": v.provider,
        "room_name": v.room_name,
        "status": v.status.value,
        "starts_at": v.window.starts_at,
        "ends_at": v.window.ends_at,
        "consent_status": v.consent.decision.value if v.consent else None,
        "consent_recorded_at": v.consent.recorded_at if v.consent else None,
        "consent_source": v.consent.source if v.consent else None,
        "version": v.version,
        "created_at": v.created_at,
        "updated_at": v.updated_at,
        "revoked_at": v.revoked_at,
    }


def _visit(row: Any) -> VirtualVisit:
    m = row._mapping
    consent = None
    if m["consent_status"] is not None:
        consent = VideoConsent(
            decision=ConsentDecision(m["consent_status"]),
            recorded_at=m["consent_recorded_at"],
            source=m["consent_source"],
        )
    return VirtualVisit(
        id=VirtualVisitId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        appointment_id=m["appointment_id"],
        patient_id=PatientId(m["patient_id"]),
        practitioner_id=PractitionerId(m["practitioner_id"]),
        provider=m["provider"],
        room_name=m["room_name"],
        status=VisitStatus(m["status"]),
        window=VisitWindow(m["starts_at"], m["ends_at"]),
        consent=consent,
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        revoked_at=m["revoked_at"],
        version=m["version"],
    )


async def _one(connection: SqlConnection, *where: sa.ColumnElement[bool]) -> VirtualVisit | None:
    row = (await connection.execute(sa.select(_v).where(*where))).first()
    return _visit(row) if row else None


class SqlVirtualVisitRepository(VirtualVisitRepository):
    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def add(self, visit: VirtualVisit) -> bool:
        dialect = self._connection.dialect.name
        insert = postgresql.insert(_v) if dialect == "postgresql" else sqlite.insert(_v)
        statement = insert.on_conflict_do_nothing(index_elements=_KEY)
        return (await self._connection.execute(statement, _row(visit))).rowcount == 1

    async def get(self, visit_id: VirtualVisitId) -> VirtualVisit | None:
        return await _one(self._connection, _v.c.tenant_id == self._tenant_id, _v.c.id == visit_id)

    async def for_appointment(self, appointment_id: Any) -> VirtualVisit | None:
        return await _one(self._connection, _v.c.tenant_id == self._tenant_id, _v.c.appointment_id == appointment_id)

    async def save(self, visit: VirtualVisit, *, expected_version: int) -> None:
        row = _row(visit)
        statement = (
            sa.update(_v)
            .where(_v.c.tenant_id == self._tenant_id, _v.c.id == visit.id, _v.c.version == expected_version)
            .values({name: row[name] for name in _SAVED})
        )
        if (await self._connection.execute(statement)).rowcount != 1:
            raise StaleVersion(f"virtual visit {visit.id} was changed by someone else")

    async def list(self, where: VisitFilter, page: PageRequest) -> Page[VirtualVisit]:
        conditions = [_v.c.tenant_id == self._tenant_id]
        if where.appointment_id is not None:
            conditions.append(_v.c.appointment_id == where.appointment_id)
        if where.patient_id is not None:
            conditions.append(_v.c.patient_id == where.patient_id)
        return await fetch_page(self._connection, _v, conditions, [_v.c.id.desc()], page, _visit)


class SqlVisitsForJoining(VisitsForJoining):
    """One read, in a connection of its own bound to ``tenant_id`` (APP scope)."""

    def __init__(self, database: SqlDatabase) -> None:
        self._database = database

    async def get(self, tenant_id: TenantId, visit_id: VirtualVisitId) -> VirtualVisit | None:
        async with self._database.connect(tenant_id) as connection:
            return await _one(connection, _v.c.tenant_id == tenant_id, _v.c.id == visit_id)
