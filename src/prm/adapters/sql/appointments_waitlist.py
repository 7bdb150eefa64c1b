"""SQL adapter of the appointments context's waitlist.

Preferred dates are stored as ISO dates, preferred times as part-of-day names.
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa

from prm.adapters.sql.appointments_tables import waitlist_entries
from prm.adapters.sql.connection import SqlConnection
from prm.application.appointments.ports import WaitlistCriteria, WaitlistRepository
from prm.application.shared.paging import Page, PageRequest
from prm.domain.appointments.ids import WaitlistEntryId
from prm.domain.appointments.waitlist import PartOfDay, WaitlistEntry, WaitlistStatus
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PatientId, PractitionerId, TenantId

_w = waitlist_entries.c


def _entry_row(e: WaitlistEntry) -> dict[str, Any]:
    return {
        "tenant_id": e.tenant_id,
        "id": e.id,
        "patient_id": e.patient_id,
        "practitioner_id": e.practitioner_id,
        "speciality": e.speciality,
        "location_id": e.location_id,
        "preferred_dates": [d.isoformat() for d in e.preferred_dates],
        "preferred_times": [t.value for t in e.preferred_times],
        "priority": e.priority,
        "notes": e.notes,
        "status": e.status.value,
        "version": e.version,
        "created_at": e.created_at,
        "updated_at": e.updated_at,
    }


def _entry(row: sa.Row[Any]) -> WaitlistEntry:
    m = row._mapping
    return WaitlistEntry(
        id=m["id"],
        tenant_id=TenantId(m["tenant_id"]),
        patient_id=PatientId(m["patient_id"]),
        practitioner_id=PractitionerId(m["practitioner_id"]) if m["practitioner_id"] else None,
        speciality=m["speciality"],
        location_id=m["location_id"],
        preferred_dates=tuple(date.fromisoformat(d) for d in m["preferred_dates"]),
        preferred_times=tuple(PartOfDay(t) for t in m["preferred_times"]),
        priority=m["priority"],
        notes=m["notes"],
        status=WaitlistStatus(m["status"]),
        version=m["version"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


class SqlWaitlistRepository(WaitlistRepository):
    """Waitlist entries of one tenant."""

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def add(self, entry: WaitlistEntry) -> None:
        await self._connection.execute(sa.insert(waitlist_entries).values(_entry_row(entry)))

    async def get(self, entry_id: WaitlistEntryId) -> WaitlistEntry | None:
        row = (
            await self._connection.execute(
                sa.select(waitlist_entries).where(_w.tenant_id == self._tenant_id, _w.id == entry_id)
            )
        ).first()
        return _entry(row) if row else None

    async def save(self, entry: WaitlistEntry, *, expected_version: int) -> None:
        row = _entry_row(entry)
        result = await self._connection.execute(
            sa.update(waitlist_entries)
            .where(_w.tenant_id == self._tenant_id, _w.id == entry.id, _w.version == expected_version)
            .values({k: v for k, v in row.items() if k not in {"tenant_id", "id", "created_at"}})
        )
        if result.rowcount != 1:
            raise StaleVersion("the waitlist entry was changed by someone else: reload it")

    async def find(self, criteria: WaitlistCriteria, page: PageRequest) -> Page[WaitlistEntry]:
        where: list[sa.ColumnElement[bool]] = [_w.tenant_id == self._tenant_id]
        if criteria.patient_id is not None:
            where.append(_w.patient_id == criteria.patient_id)
        if criteria.practitioner_id is not None:
            where.append(_w.practitioner_id == criteria.practitioner_id)
        if criteria.status is not None:
            where.append(_w.status == criteria.status.value)
        rows = await self._connection.execute(
            sa.select(waitlist_entries)
            .where(*where)
            .order_by(_w.priority, _w.created_at, _w.id)
            .limit(page.page_size)
            .offset(page.offset)
        )
        items = [_entry(r) for r in rows]
        total = (
            await self._connection.execute(sa.select(sa.func.count()).select_from(waitlist_entries).where(*where))
        ).scalar_one()
        return Page(items, total, page.page, page.page_size)

    async def waiting_for(self, practitioner_id: PractitionerId, speciality: str | None) -> Sequence[WaitlistEntry]:
        wanted = [_w.practitioner_id == practitioner_id]
        if speciality:
            wanted.append(sa.and_(_w.practitioner_id.is_(None), _w.speciality == speciality))
        rows = await self._connection.execute(
            sa.select(waitlist_entries)
            .where(_w.tenant_id == self._tenant_id, _w.status == WaitlistStatus.WAITING.value, sa.or_(*wanted))
            .order_by(_w.priority, _w.created_at)
            .limit(500)
        )
        return [_entry(r) for r in rows]
