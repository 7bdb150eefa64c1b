"""SQL adapter of the appointments context's locations, schedules and schedule exceptions.

Rules are stored as JSON ``[{"weekdays": ["mon", …], "start": "09:00", "end": "12:30"}]`` (local
wall-clock times).
"""

from collections.abc import Sequence
from datetime import time
from typing import Any

import msgspec
import sqlalchemy as sa

from prm.adapters.sql.appointments_tables import locations, schedule_exceptions, schedules
from prm.adapters.sql.connection import SqlConnection
from prm.application.appointments.ports import ScheduleRepository
from prm.domain.appointments.ids import LocationId, ScheduleId
from prm.domain.appointments.model import Period, TimeSlot
from prm.domain.appointments.schedule import (
    ExceptionKind,
    Location,
    Schedule,
    ScheduleException,
    Weekday,
    WeeklyRule,
)
from prm.domain.shared.contact import Address
from prm.domain.shared.ids import PractitionerId, TenantId

_l, _s, _e = locations.c, schedules.c, schedule_exceptions.c


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
        self._location_cache: dict[LocationId, Location | None] = {}

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

    async def get_location(self, location_id: LocationId) -> Location | None:
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

    async def get_schedule(self, schedule_id: ScheduleId) -> Schedule | None:
        row = (
            await self._connection.execute(
                sa.select(schedules).where(_s.tenant_id == self._tenant_id, _s.id == schedule_id)
            )
        ).first()
        return _schedule(row) if row else None

    async def schedules(
        self, practitioner_ids: Sequence[PractitionerId] | None = None, location_id: LocationId | None = None
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
        self, schedule_ids: Sequence[ScheduleId], window: TimeSlot | None = None
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
