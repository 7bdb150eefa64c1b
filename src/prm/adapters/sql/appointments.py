"""SQL adapters of appointments: the repository (aggregates) and the finder (lists, counts, busy times).

No double booking, in two ways:

- PostgreSQL: the exclusion constraint ``ex_appointments_no_overlap`` (see the migration 0003).
  A booking is ``INSERT … ON CONFLICT DO NOTHING``: an overlapping insert waits for the
  concurrent transaction that holds the time, then inserts nothing, and the transaction stays
  usable to look up the winner and name it in the 409.
- SQLite: :meth:`SqlAppointmentRepository.lock_for_booking` opens the transaction with
  ``BEGIN IMMEDIATE``, taking the database's write lock before the overlap check, so checks and
  inserts of concurrent bookings run one after the other (``busy_timeout`` makes the others wait).
"""

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError

from prm.adapters.sql.appointments_tables import appointments
from prm.adapters.sql.bulk import insert_rows
from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.constraints import raise_domain_error
from prm.adapters.sql.paging import fetch_page, literal
from prm.adapters.sql.types import UtcDateTime
from prm.application.appointments.ports import (
    AppointmentCounts,
    AppointmentCriteria,
    AppointmentFinder,
    AppointmentRepository,
    PatientAppointmentSummary,
)
from prm.application.shared.paging import Page, PageRequest
from prm.domain.appointments.errors import SlotUnavailable
from prm.domain.appointments.ids import AppointmentId
from prm.domain.appointments.model import (
    ACTIVE_STATUSES,
    MAX_DURATION,
    Appointment,
    AppointmentStatus,
    CancellationReason,
    Period,
    TimeSlot,
)
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PatientId, PractitionerId, TenantId

_t = appointments.c
_ACTIVE = sorted(s.value for s in ACTIVE_STATUSES)
_VISITS = sorted(
    s.value for s in (AppointmentStatus.FULFILLED, AppointmentStatus.ARRIVED, AppointmentStatus.CHECKED_IN)
)
_UPDATABLE = tuple(c.name for c in appointments.columns if c.name not in {"tenant_id", "id", "created_at"})


def _to_row(a: Appointment) -> dict[str, Any]:
    return {
        "tenant_id": a.tenant_id,
        "id": a.id,
        "patient_id": a.patient_id,
        "practitioner_id": a.practitioner_id,
        "location_id": a.location_id,
        "starts_at": a.slot.starts_at,
        "ends_at": a.slot.ends_at,
        "status": a.status.value,
        "appointment_type": a.appointment_type,
        "reason_text": a.reason_text,
        "source_channel": a.source_channel,
        "cancellation_reason": a.cancellation_reason.value if a.cancellation_reason else None,
        "cancelled_at": a.cancelled_at,
        "external_id": a.external_id,
        "version": a.version,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
    }


def _slot(starts_at: datetime, ends_at: datetime) -> TimeSlot:
    # Imported past stays (Appointment.record_past) may last longer than a day.
    return TimeSlot(starts_at, ends_at) if ends_at - starts_at <= MAX_DURATION else Period(starts_at, ends_at)


def appointment_from_row(row: sa.Row[Any]) -> Appointment:
    """An ``appointments`` row as the domain's :class:`Appointment`."""
    m = row._mapping
    return Appointment(
        id=m["id"],
        tenant_id=TenantId(m["tenant_id"]),
        patient_id=PatientId(m["patient_id"]),
        practitioner_id=PractitionerId(m["practitioner_id"]),
        location_id=m["location_id"],
        slot=_slot(m["starts_at"], m["ends_at"]),
        status=AppointmentStatus(m["status"]),
        appointment_type=m["appointment_type"],
        reason_text=m["reason_text"],
        source_channel=m["source_channel"],
        cancellation_reason=CancellationReason(m["cancellation_reason"]) if m["cancellation_reason"] else None,
        cancelled_at=m["cancelled_at"],
        external_id=m["external_id"],
        version=m["version"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


def _overlap(slot: TimeSlot) -> list[sa.ColumnElement[bool]]:
    # The lower bound on starts_at keeps the index range scan short (no appointment is longer than a day).
    return [
        _t.starts_at < slot.ends_at,
        _t.ends_at > slot.starts_at,
        _t.starts_at > slot.starts_at - MAX_DURATION - timedelta(minutes=1),
    ]


_INSERT_UNLESS_TAKEN = (
    pg_insert(appointments)
    .values({c.name: sa.bindparam(c.name) for c in appointments.columns})
    .on_conflict_do_nothing()
    .returning(_t.id)
)
"""Built once (a prepared statement): the exclusion constraint decides, and a taken slot inserts nothing."""


class SqlAppointmentRepository(AppointmentRepository):
    """Appointments of one tenant in ``appointments``."""

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def lock_for_booking(self, practitioner_id: PractitionerId) -> None:
        await self._connection.lock_for_writing()  # SQLite: BEGIN IMMEDIATE; PostgreSQL: the constraint decides

    async def add(self, appointment: Appointment) -> None:
        row = _to_row(appointment)
        if self._connection.dialect.name == "postgresql":
            inserted = await self._connection.execute(_INSERT_UNLESS_TAKEN, row)
            if inserted.first() is not None:
                return
        else:
            # SQLite has no exclusion constraint: the check runs here, after lock_for_booking's
            # BEGIN IMMEDIATE, so concurrent bookings check and insert one after the other.
            if not appointment.is_active or not await self.overlapping(
                appointment.practitioner_id, appointment.slot, exclude=appointment.id
            ):
                await self._connection.execute(sa.insert(appointments).values(row))
                return
        clash = await self.overlapping(appointment.practitioner_id, appointment.slot, exclude=appointment.id)
        conflicting = clash[0].id if clash else None
        raise SlotUnavailable(
            f"the practitioner already has appointment {conflicting} at that time"
            if conflicting
            else "the practitioner already has an appointment at that time",
            conflicting_id=conflicting,
        )

    async def add_many(self, batch: Sequence[Appointment]) -> None:
        if batch:
            await insert_rows(self._connection, appointments, [_to_row(a) for a in batch])

    async def get(self, appointment_id: AppointmentId) -> Appointment | None:
        row = (
            await self._connection.execute(
                sa.select(appointments).where(_t.tenant_id == self._tenant_id, _t.id == appointment_id)
            )
        ).first()
        return appointment_from_row(row) if row else None

    async def save(self, appointment: Appointment, *, expected_version: int) -> None:
        row = _to_row(appointment)
        statement = (
            sa.update(appointments)
            .where(_t.tenant_id == self._tenant_id, _t.id == appointment.id, _t.version == expected_version)
            .values({c: row[c] for c in _UPDATABLE})
        )
        try:
            result = await self._connection.execute(statement)
        except IntegrityError as exc:
            raise_domain_error(exc)  # SlotUnavailable: the exclusion constraint (PostgreSQL)
        if result.rowcount != 1:
            raise StaleVersion("the appointment was changed by someone else: reload it and apply the change again")

    async def remove(self, appointment: Appointment, *, expected_version: int | None = None) -> None:
        where = [_t.tenant_id == self._tenant_id, _t.id == appointment.id]
        if expected_version is not None:
            where.append(_t.version == expected_version)
        result = await self._connection.execute(sa.delete(appointments).where(*where))
        if expected_version is not None and result.rowcount == 0:
            raise StaleVersion("the appointment was changed meanwhile: load it again")

    async def overlapping(
        self, practitioner_id: PractitionerId, slot: TimeSlot, *, exclude: AppointmentId | None = None
    ) -> Sequence[Appointment]:
        where = [
            _t.tenant_id == self._tenant_id,
            _t.practitioner_id == practitioner_id,
            _t.status.in_(_ACTIVE),
            *_overlap(slot),
        ]
        if exclude is not None:
            where.append(_t.id != exclude)
        rows = await self._connection.execute(sa.select(appointments).where(*where).order_by(_t.starts_at))
        return [appointment_from_row(r) for r in rows]

    async def existing_external_ids(self, external_ids: Iterable[str]) -> set[str]:
        wanted = list(set(external_ids))
        found: set[str] = set()
        postgres = self._connection.dialect.name == "postgresql"
        for i in range(0, len(wanted), 5000):
            chunk = wanted[i : i + 5000]
            if postgres:
                # A join with the unnested array, not "= ANY(:array)": PostgreSQL tests a parameter
                # array element by element for every row it scans, and a freshly loaded table
                # without statistics gets scanned whole: O(rows x ids) per batch of an import.
                ids = (
                    sa.func.unnest(sa.bindparam("ids", chunk, type_=ARRAY(sa.String)))
                    .table_valued("id")
                    .render_derived(name="wanted")
                )
                statement = (
                    sa.select(_t.external_id)
                    .join(ids, _t.external_id == ids.c.id)
                    .where(_t.tenant_id == self._tenant_id)
                )
            else:
                statement = sa.select(_t.external_id).where(_t.tenant_id == self._tenant_id, _t.external_id.in_(chunk))
            found.update(r[0] for r in await self._connection.execute(statement))
        return found


def _patient_summary() -> sa.Select[int, int, int, datetime, datetime]:
    now = sa.bindparam("summary_now", type_=UtcDateTime)
    upcoming = sa.and_(_t.status.in_(_ACTIVE), _t.starts_at >= now)
    visited = sa.and_(_t.status.in_(_VISITS), _t.starts_at < now)
    return sa.select(
        sa.func.count(),
        sa.func.count().filter(upcoming),
        sa.func.count().filter(_t.status == AppointmentStatus.NOSHOW.value),
        sa.type_coerce(sa.func.max(_t.starts_at).filter(visited), UtcDateTime),
        sa.type_coerce(sa.func.min(_t.starts_at).filter(upcoming), UtcDateTime),
    ).where(
        _t.tenant_id == sa.bindparam("summary_tenant_id", type_=sa.Uuid),
        _t.patient_id == sa.bindparam("summary_patient_id", type_=sa.Uuid),
    )


_PATIENT_SUMMARY = _patient_summary()
"""Built once (a prepared statement): ``GET /patients/{id}`` reads it on every call."""


class SqlAppointmentFinder(AppointmentFinder):
    """Lists and counts over one tenant's appointments."""

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def _where(self, c: AppointmentCriteria) -> list[sa.ColumnElement[bool]]:
        where: list[sa.ColumnElement[bool]] = [_t.tenant_id == self._tenant_id]
        if c.patient_id is not None:
            where.append(_t.patient_id == c.patient_id)
        if c.practitioner_id is not None:
            where.append(_t.practitioner_id == c.practitioner_id)
        if c.location_id is not None:
            where.append(_t.location_id == c.location_id)
        if c.statuses:
            where.append(_t.status.in_(sorted(s.value for s in c.statuses)))
        if c.starts_from is not None:
            where.append(_t.starts_at >= c.starts_from)
        if c.starts_before is not None:
            where.append(_t.starts_at < c.starts_before)
        return where

    async def find(self, criteria: AppointmentCriteria, page: PageRequest) -> Page[Appointment]:
        return await fetch_page(
            self._connection, appointments, self._where(criteria), (_t.starts_at, _t.id), page, appointment_from_row
        )

    async def first(self, criteria: AppointmentCriteria, limit: int) -> Sequence[Appointment]:
        rows = await self._connection.execute(
            sa.select(appointments).where(*self._where(criteria)).order_by(_t.starts_at, _t.id).limit(limit)
        )
        return [appointment_from_row(r) for r in rows]

    async def latest(self, criteria: AppointmentCriteria, limit: int) -> Sequence[Appointment]:
        rows = await self._connection.execute(
            sa.select(appointments)
            .where(*self._where(criteria))
            .order_by(_t.starts_at.desc(), _t.id.desc())
            .limit(literal(limit))
        )
        return [appointment_from_row(r) for r in rows]

    async def patient_summary(self, patient_id: PatientId, now: datetime) -> PatientAppointmentSummary:
        parameters = {"summary_tenant_id": self._tenant_id, "summary_patient_id": patient_id, "summary_now": now}
        total, upcoming, no_shows, last_visit_at, next_starts_at = (
            await self._connection.execute(_PATIENT_SUMMARY, parameters)
        ).one()
        return PatientAppointmentSummary(
            total=int(total),
            upcoming=int(upcoming),
            no_shows=int(no_shows),
            last_visit_at=last_visit_at,
            next_starts_at=next_starts_at,
        )

    async def counts(self, criteria: AppointmentCriteria) -> AppointmentCounts:
        where = self._where(criteria)
        rows = await self._connection.execute(
            sa.select(_t.status, _t.appointment_type, sa.func.count())
            .where(*where)
            .group_by(_t.status, _t.appointment_type)
        )
        by_status: dict[str, int] = {}
        by_type: dict[str, int] = {}
        for status, kind, count in rows:
            by_status[status] = by_status.get(status, 0) + count
            key = kind or "unspecified"
            by_type[key] = by_type.get(key, 0) + count
        return AppointmentCounts(by_status=by_status, by_type=by_type)

    async def busy(self, practitioner_ids: Sequence[PractitionerId], window: TimeSlot) -> dict[UUID, list[TimeSlot]]:
        if not practitioner_ids:
            return {}
        rows = await self._connection.execute(
            sa.select(_t.practitioner_id, _t.starts_at, _t.ends_at).where(
                _t.tenant_id == self._tenant_id,
                _t.practitioner_id.in_(list(practitioner_ids)),
                _t.status.in_(_ACTIVE),
                *_overlap(window),
            )
        )
        found: dict[UUID, list[TimeSlot]] = {}
        for practitioner_id, starts_at, ends_at in rows:
            found.setdefault(practitioner_id, []).append(TimeSlot(starts_at, ends_at))
        return found
