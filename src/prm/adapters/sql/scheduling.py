"""SQL adapters of scheduling: locations, schedules and exceptions; holds; the waitlist.

Rules are stored as JSON ``[{"weekdays": ["mon", …], "start": "09:00", "end": "12:30"}]`` (local
wall-clock times); preferred dates as ISO dates, preferred times as part-of-day names.
"""

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any
from uuid import UUID

import msgspec
import sqlalchemy as sa

from prm.adapters.sql.appointments_tables import (
    locations,
    schedule_exceptions,
    schedules,
    slot_holds,
    waitlist_entries,
)
from prm.adapters.sql.bulk import insert_rows
from prm.adapters.sql.connection import SqlConnection
from prm.application.appointments.ports import (
    HoldRepository,
    ScheduleRepository,
    WaitlistCriteria,
    WaitlistRepository,
)
from prm.application.shared.paging import Page, PageRequest
from prm.domain.appointments.model import MAX_DURATION, Period, TimeSlot
from prm.domain.appointments.schedule import (
    ExceptionKind,
    Location,
    Schedule,
    ScheduleException,
    Weekday,
    WeeklyRule,
)
from prm.domain.appointments.waitlist import (
    Hold,
    HoldKind,
    HoldStatus,
    PartOfDay,
    WaitlistEntry,
    WaitlistStatus,
)
from prm.domain.shared.contact import Address
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PatientId, PractitionerId, TenantId

_l, _s, _e, _h, _w = locations.c, schedules.c, schedule_exceptions.c, slot_holds.c, waitlist_entries.c


def _rules_to_json(rules: Sequence[WeeklyRule]) -> list[dict[str, Any]]:
    return [
        {
            "weekdays": [d.value for d in r.weekdays],
            "start": r.start.isoformat("minutes"),
            "end": r.end.isoformat("minutes"),
        }
        for r in rules
    ]


def _rules_from_json(raw: list[dict[str, Any]]) -> tuple[WeeklyRule, ...]:
    return tuple(
        WeeklyRule(
            tuple(Weekday(d) for d in r["weekdays"]), time.fromisoformat(r["start"]), time.fromisoformat(r["end"])
        )
        for r in raw
    )


def _location(row: sa.Row[Any]) -> Location:
    m = row._mapping
    return Location(
        id=m["id"],
        tenant_id=TenantId(m["tenant_id"]),
        name=m["name"],
        time_zone=m["time_zone"],
        address=msgspec.convert(m["address"], Address) if m["address"] is not None else None,
        phone=m["phone"],
        created_at=m["created_at"],
    )


def _schedule(row: sa.Row[Any]) -> Schedule:
    m = row._mapping
    return Schedule(
        id=m["id"],
        tenant_id=TenantId(m["tenant_id"]),
        practitioner_id=PractitionerId(m["practitioner_id"]),
        location_id=m["location_id"],
        rules=_rules_from_json(m["rules"]),
        slot_minutes=m["slot_minutes"],
        buffer_minutes=m["buffer_minutes"],
        valid_from=m["valid_from"],
        valid_until=m["valid_until"],
        created_at=m["created_at"],
    )


def _exception(row: sa.Row[Any]) -> ScheduleException:
    m = row._mapping
    return ScheduleException(
        id=m["id"],
        tenant_id=TenantId(m["tenant_id"]),
        schedule_id=m["schedule_id"],
        kind=ExceptionKind(m["kind"]),
        slot=Period(m["starts_at"], m["ends_at"]),
        reason=m["reason"],
    )


class SqlScheduleRepository(ScheduleRepository):
    """Locations, schedules and exceptions of one tenant."""

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id
        self._location_cache: dict[UUID, Location | None] = {}

    async def add_location(self, location: Location) -> None:
        await self._connection.execute(
            sa.insert(locations).values(
                tenant_id=location.tenant_id,
                id=location.id,
                name=location.name,
                time_zone=location.time_zone,
                address=msgspec.to_builtins(location.address) if location.address else None,
                phone=location.phone,
                created_at=location.created_at,
            )
        )

    async def get_location(self, location_id: UUID) -> Location | None:
        if location_id not in self._location_cache:
            row = (
                await self._connection.execute(
                    sa.select(locations).where(_l.tenant_id == self._tenant_id, _l.id == location_id)
                )
            ).first()
            self._location_cache[location_id] = _location(row) if row else None
        return self._location_cache[location_id]

    async def locations(self) -> Sequence[Location]:
        rows = await self._connection.execute(
            sa.select(locations).where(_l.tenant_id == self._tenant_id).order_by(_l.name, _l.id)
        )
        return [_location(r) for r in rows]

    async def add_schedule(self, schedule: Schedule) -> None:
        await self._connection.execute(
            sa.insert(schedules).values(
                tenant_id=schedule.tenant_id,
                id=schedule.id,
                practitioner_id=schedule.practitioner_id,
                location_id=schedule.location_id,
                rules=_rules_to_json(schedule.rules),
                slot_minutes=schedule.slot_minutes,
                buffer_minutes=schedule.buffer_minutes,
                valid_from=schedule.valid_from,
                valid_until=schedule.valid_until,
                created_at=schedule.created_at,
            )
        )

    async def get_schedule(self, schedule_id: UUID) -> Schedule | None:
        row = (
            await self._connection.execute(
                sa.select(schedules).where(_s.tenant_id == self._tenant_id, _s.id == schedule_id)
            )
        ).first()
        return _schedule(row) if row else None

    async def schedules(
        self, practitioner_ids: Sequence[PractitionerId] | None = None, location_id: UUID | None = None
    ) -> Sequence[Schedule]:
        where: list[sa.ColumnElement[bool]] = [_s.tenant_id == self._tenant_id]
        if practitioner_ids is not None:
            where.append(_s.practitioner_id.in_(list(practitioner_ids)))
        if location_id is not None:
            where.append(_s.location_id == location_id)
        rows = await self._connection.execute(sa.select(schedules).where(*where).order_by(_s.created_at, _s.id))
        return [_schedule(r) for r in rows]

    async def remove_schedule(self, schedule: Schedule) -> None:
        await self._connection.execute(
            sa.delete(schedules).where(_s.tenant_id == self._tenant_id, _s.id == schedule.id)
        )

    async def add_exception(self, exception: ScheduleException) -> None:
        await self._connection.execute(
            sa.insert(schedule_exceptions).values(
                tenant_id=exception.tenant_id,
                id=exception.id,
                schedule_id=exception.schedule_id,
                kind=exception.kind.value,
                starts_at=exception.slot.starts_at,
                ends_at=exception.slot.ends_at,
                reason=exception.reason,
            )
        )

    async def exceptions(
        self, schedule_ids: Sequence[UUID], window: TimeSlot | None = None
    ) -> Sequence[ScheduleException]:
        if not schedule_ids:
            return []
        where: list[sa.ColumnElement[bool]] = [
            _e.tenant_id == self._tenant_id,
            _e.schedule_id.in_(list(schedule_ids)),
        ]
        if window is not None:
            where += [_e.starts_at < window.ends_at, _e.ends_at > window.starts_at]
        rows = await self._connection.execute(sa.select(schedule_exceptions).where(*where).order_by(_e.starts_at))
        return [_exception(r) for r in rows]


def _hold_row(h: Hold) -> dict[str, Any]:
    return {
        "tenant_id": h.tenant_id,
        "id": h.id,
        "kind": h.kind.value,
        "status": h.status.value,
        "patient_id": h.patient_id,
        "practitioner_id": h.practitioner_id,
        "location_id": h.location_id,
        "starts_at": h.slot.starts_at,
        "ends_at": h.slot.ends_at,
        "expires_at": h.expires_at,
        "conversation_id": h.conversation_id,
        "ordinal": h.ordinal,
        "waitlist_entry_id": h.waitlist_entry_id,
        "appointment_id": h.appointment_id,
        "created_at": h.created_at,
    }


def _hold(row: sa.Row[Any]) -> Hold:
    m = row._mapping
    return Hold(
        id=m["id"],
        tenant_id=TenantId(m["tenant_id"]),
        kind=HoldKind(m["kind"]),
        status=HoldStatus(m["status"]),
        patient_id=PatientId(m["patient_id"]),
        practitioner_id=PractitionerId(m["practitioner_id"]),
        location_id=m["location_id"],
        slot=TimeSlot(m["starts_at"], m["ends_at"]),
        expires_at=m["expires_at"],
        conversation_id=m["conversation_id"],
        ordinal=m["ordinal"],
        waitlist_entry_id=m["waitlist_entry_id"],
        appointment_id=m["appointment_id"],
        created_at=m["created_at"],
    )


class SqlHoldRepository(HoldRepository):
    """Holds of one tenant in ``slot_holds``."""

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def add_many(self, holds: Sequence[Hold]) -> None:
        await insert_rows(self._connection, slot_holds, [_hold_row(h) for h in holds])

    async def _select(self, *where: sa.ColumnElement[bool], order: Any = None, limit: int | None = None) -> list[Hold]:
        statement = sa.select(slot_holds).where(_h.tenant_id == self._tenant_id, *where)
        if order is not None:
            statement = statement.order_by(order)
        if limit is not None:
            statement = statement.limit(limit)
        return [_hold(r) for r in await self._connection.execute(statement)]

    async def get(self, hold_id: UUID) -> Hold | None:
        found = await self._select(_h.id == hold_id)
        return found[0] if found else None

    async def conversation(self, conversation_id: UUID) -> Sequence[Hold]:
        return await self._select(_h.conversation_id == conversation_id, order=_h.ordinal)

    async def live(self, practitioner_ids: Sequence[PractitionerId], window: TimeSlot, now: datetime) -> Sequence[Hold]:
        if not practitioner_ids:
            return []
        return await self._select(
            _h.practitioner_id.in_(list(practitioner_ids)),
            _h.status == HoldStatus.ACTIVE.value,
            _h.expires_at > now,
            _h.starts_at < window.ends_at,
            _h.ends_at > window.starts_at,
            _h.starts_at > window.starts_at - MAX_DURATION,
        )

    async def save(self, hold: Hold) -> None:
        await self._connection.execute(
            sa.update(slot_holds)
            .where(_h.tenant_id == self._tenant_id, _h.id == hold.id)
            .values(status=hold.status.value, appointment_id=hold.appointment_id)
        )

    async def live_booking_holds_of(self, patient_id: PatientId, now: datetime) -> Sequence[Hold]:
        return await self._select(
            _h.patient_id == patient_id,
            _h.status == HoldStatus.ACTIVE.value,
            _h.kind == HoldKind.BOOKING.value,
            _h.expires_at > now,
        )

    async def expired_offers(self, now: datetime, limit: int) -> Sequence[Hold]:
        return await self._select(
            _h.status == HoldStatus.ACTIVE.value,
            _h.kind == HoldKind.OFFER.value,
            _h.expires_at <= now,
            order=_h.expires_at,
            limit=limit,
        )

    async def entries_offered(self, practitioner_id: PractitionerId, slot: TimeSlot) -> frozenset[UUID]:
        rows = await self._connection.execute(
            sa.select(_h.waitlist_entry_id).where(
                _h.tenant_id == self._tenant_id,
                _h.practitioner_id == practitioner_id,
                _h.kind == HoldKind.OFFER.value,
                _h.starts_at == slot.starts_at,
                _h.ends_at == slot.ends_at,
            )
        )
        return frozenset(r[0] for r in rows if r[0] is not None)


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

    async def get(self, entry_id: UUID) -> WaitlistEntry | None:
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
