"""Hand-written fakes of the appointments ports, for unit tests of the use cases.

They behave like the SQL adapters where the use cases can tell: rows are copies (a use case sees
its changes only after ``save``), ``save`` checks the version, ``add`` refuses an active
appointment overlapping another of the practitioner (the database constraint), every read is
of one tenant's rows.
"""

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from prm.application.appointments.ports import (
    AppointmentCounts,
    AppointmentCriteria,
    AppointmentFinder,
    AppointmentRepository,
    HoldRepository,
    PatientAppointmentSummary,
    PatientDirectory,
    PractitionerDirectory,
    PractitionerInfo,
    ScheduleRepository,
    WaitlistCriteria,
    WaitlistRepository,
)
from prm.application.shared.paging import Page, PageRequest
from prm.domain.appointments.errors import SlotUnavailable
from prm.domain.appointments.ids import AppointmentId, ConversationId, HoldId, LocationId, ScheduleId, WaitlistEntryId
from prm.domain.appointments.model import Appointment, TimeSlot
from prm.domain.appointments.schedule import Location, Schedule, ScheduleException
from prm.domain.appointments.waitlist import Hold, HoldKind, HoldStatus, WaitlistEntry, WaitlistStatus
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PatientId, PractitionerId
from prm.domain.shared.text import fold

_VISITS = frozenset({"fulfilled", "arrived", "checked-in"})


def _stored(appointment: Appointment) -> Appointment:
    return replace(appointment, events=[])


class InMemoryAppointments(AppointmentRepository, AppointmentFinder):
    """Appointments by id; ``locks`` counts :meth:`lock_for_booking` calls."""

    def __init__(self) -> None:
        self.rows: dict[UUID, Appointment] = {}
        self.locks = 0

    async def lock_for_booking(self, practitioner_id: PractitionerId) -> None:
        self.locks += 1

    def _clash(self, appointment: Appointment) -> Appointment | None:
        if not appointment.is_active:
            return None
        for other in self.rows.values():
            if (
                other.id != appointment.id
                and other.is_active
                and other.practitioner_id == appointment.practitioner_id
                and other.slot.overlaps(appointment.slot)
            ):
                return other
        return None

    async def add(self, appointment: Appointment) -> None:
        clash = self._clash(appointment)
        if clash is not None:
            raise SlotUnavailable(f"the practitioner already has appointment {clash.id}", conflicting_id=clash.id)
        self.rows[appointment.id] = _stored(appointment)

    async def add_many(self, appointments: Sequence[Appointment]) -> None:
        for appointment in appointments:
            self.rows[appointment.id] = _stored(appointment)

    async def get(self, appointment_id: AppointmentId) -> Appointment | None:
        found = self.rows.get(appointment_id)
        return _stored(found) if found else None

    async def save(self, appointment: Appointment, *, expected_version: int) -> None:
        current = self.rows.get(appointment.id)
        if current is None or current.version != expected_version:
            raise StaleVersion("the appointment was changed by someone else")
        if self._clash(appointment) is not None:
            raise SlotUnavailable("the practitioner already has an appointment at that time")
        self.rows[appointment.id] = _stored(appointment)

    async def remove(self, appointment: Appointment, *, expected_version: int | None = None) -> None:
        stored = self.rows.get(appointment.id)
        if expected_version is not None and (stored is None or stored.version != expected_version):
            raise StaleVersion("the appointment was changed meanwhile: load it again")
        self.rows.pop(appointment.id, None)

    async def overlapping(
        self, practitioner_id: PractitionerId, slot: TimeSlot, *, exclude: AppointmentId | None = None
    ) -> Sequence[Appointment]:
        return sorted(
            (
                _stored(a)
                for a in self.rows.values()
                if a.is_active and a.practitioner_id == practitioner_id and a.slot.overlaps(slot) and a.id != exclude
            ),
            key=lambda a: a.slot.starts_at,
        )

    async def existing_external_ids(self, external_ids: Iterable[str]) -> set[str]:
        stored = {a.external_id for a in self.rows.values()}
        return {e for e in external_ids if e in stored}

    def _matching(self, c: AppointmentCriteria) -> list[Appointment]:
        found = [
            a
            for a in self.rows.values()
            if (c.patient_id is None or a.patient_id == c.patient_id)
            and (c.practitioner_id is None or a.practitioner_id == c.practitioner_id)
            and (c.location_id is None or a.location_id == c.location_id)
            and (not c.statuses or a.status in c.statuses)
            and (c.starts_from is None or a.slot.starts_at >= c.starts_from)
            and (c.starts_before is None or a.slot.starts_at < c.starts_before)
        ]
        return sorted(found, key=lambda a: (a.slot.starts_at, a.id))

    async def find(self, criteria: AppointmentCriteria, page: PageRequest) -> Page[Appointment]:
        found = self._matching(criteria)
        items = found[page.offset : page.offset + page.page_size]
        return Page([_stored(a) for a in items], len(found), page.page, page.page_size)

    async def first(self, criteria: AppointmentCriteria, limit: int) -> Sequence[Appointment]:
        return [_stored(a) for a in self._matching(criteria)[:limit]]

    async def latest(self, criteria: AppointmentCriteria, limit: int) -> Sequence[Appointment]:
        return [_stored(a) for a in self._matching(criteria)[::-1][:limit]]

    async def patient_summary(self, patient_id: PatientId, now: datetime) -> PatientAppointmentSummary:
        mine = self._matching(AppointmentCriteria(patient_id=patient_id))
        upcoming = [a for a in mine if a.is_active and a.slot.starts_at >= now]
        visits = [a.slot.starts_at for a in mine if a.status.value in _VISITS and a.slot.starts_at < now]
        return PatientAppointmentSummary(
            total=len(mine),
            upcoming=len(upcoming),
            no_shows=sum(1 for a in mine if a.status.value == "noshow"),
            last_visit_at=max(visits, default=None),
            next_starts_at=min((a.slot.starts_at for a in upcoming), default=None),
        )

    async def counts(self, criteria: AppointmentCriteria) -> AppointmentCounts:
        by_status: dict[str, int] = {}
        by_type: dict[str, int] = {}
        for a in self._matching(criteria):
            by_status[a.status.value] = by_status.get(a.status.value, 0) + 1
            key = a.appointment_type or "unspecified"
            by_type[key] = by_type.get(key, 0) + 1
        return AppointmentCounts(by_status=by_status, by_type=by_type)

    async def busy(self, practitioner_ids: Sequence[PractitionerId], window: TimeSlot) -> dict[UUID, list[TimeSlot]]:
        found: dict[UUID, list[TimeSlot]] = {}
        for a in self.rows.values():
            if a.is_active and a.practitioner_id in practitioner_ids and a.slot.overlaps(window):
                found.setdefault(a.practitioner_id, []).append(a.slot)
        return found


class InMemorySchedules(ScheduleRepository):
    def __init__(self) -> None:
        self.location_rows: dict[UUID, Location] = {}
        self.schedule_rows: dict[UUID, Schedule] = {}
        self.exception_rows: list[ScheduleException] = []

    async def add_location(self, location: Location) -> None:
        self.location_rows[location.id] = location

    async def get_location(self, location_id: LocationId) -> Location | None:
        return self.location_rows.get(location_id)

    async def locations(self) -> Sequence[Location]:
        return sorted(self.location_rows.values(), key=lambda location: location.name)

    async def add_schedule(self, schedule: Schedule) -> None:
        self.schedule_rows[schedule.id] = schedule

    async def get_schedule(self, schedule_id: ScheduleId) -> Schedule | None:
        return self.schedule_rows.get(schedule_id)

    async def schedules(
        self, practitioner_ids: Sequence[PractitionerId] | None = None, location_id: LocationId | None = None
    ) -> Sequence[Schedule]:
        return [
            s
            for s in self.schedule_rows.values()
            if (practitioner_ids is None or s.practitioner_id in practitioner_ids)
            and (location_id is None or s.location_id == location_id)
        ]

    async def remove_schedule(self, schedule: Schedule) -> None:
        self.schedule_rows.pop(schedule.id, None)

    async def add_exception(self, exception: ScheduleException) -> None:
        self.exception_rows.append(exception)

    async def exceptions(
        self, schedule_ids: Sequence[ScheduleId], window: TimeSlot | None = None
    ) -> Sequence[ScheduleException]:
        return sorted(
            (
                e
                for e in self.exception_rows
                if e.schedule_id in schedule_ids and (window is None or e.slot.overlaps(window))
            ),
            key=lambda e: e.slot.starts_at,
        )


def _hold(hold: Hold) -> Hold:
    return replace(hold, events=[])


class InMemoryHolds(HoldRepository):
    def __init__(self) -> None:
        self.rows: dict[UUID, Hold] = {}

    async def add_many(self, holds: Sequence[Hold]) -> None:
        for hold in holds:
            self.rows[hold.id] = _hold(hold)

    async def get(self, hold_id: HoldId) -> Hold | None:
        found = self.rows.get(hold_id)
        return _hold(found) if found else None

    async def conversation(self, conversation_id: ConversationId) -> Sequence[Hold]:
        held = [h for h in self.rows.values() if h.conversation_id == conversation_id]
        return [_hold(h) for h in sorted(held, key=lambda h: h.ordinal or 0)]

    async def live(self, practitioner_ids: Sequence[PractitionerId], window: TimeSlot, now: datetime) -> Sequence[Hold]:
        return [
            _hold(h)
            for h in self.rows.values()
            if h.is_live(now) and h.practitioner_id in practitioner_ids and h.slot.overlaps(window)
        ]

    async def save(self, hold: Hold) -> None:
        self.rows[hold.id] = _hold(hold)

    async def live_booking_holds_of(self, patient_id: PatientId, now: datetime) -> Sequence[Hold]:
        return [
            _hold(h)
            for h in self.rows.values()
            if h.kind is HoldKind.BOOKING and h.patient_id == patient_id and h.is_live(now)
        ]

    async def expired_offers(self, now: datetime, limit: int) -> Sequence[Hold]:
        lapsed = [
            h
            for h in self.rows.values()
            if h.kind is HoldKind.OFFER and h.status is HoldStatus.ACTIVE and h.expires_at <= now
        ]
        return [_hold(h) for h in sorted(lapsed, key=lambda h: h.expires_at)[:limit]]

    async def expire_lapsed_bookings(self, now: datetime) -> int:
        lapsed = [
            h
            for h in self.rows.values()
            if h.status is HoldStatus.ACTIVE and h.kind is HoldKind.BOOKING and h.expires_at <= now
        ]
        for hold in lapsed:
            hold.status = HoldStatus.EXPIRED
        return len(lapsed)

    async def purge_ended(self, before: datetime) -> int:
        gone = [k for k, h in self.rows.items() if h.status is not HoldStatus.ACTIVE and h.expires_at < before]
        for key in gone:
            del self.rows[key]
        return len(gone)

    async def entries_offered(self, practitioner_id: PractitionerId, slot: TimeSlot) -> frozenset[WaitlistEntryId]:
        return frozenset(
            h.waitlist_entry_id
            for h in self.rows.values()
            if h.kind is HoldKind.OFFER
            and h.practitioner_id == practitioner_id
            and h.slot == slot
            and h.waitlist_entry_id is not None
        )


def _entry(entry: WaitlistEntry) -> WaitlistEntry:
    return replace(entry, events=[])


class InMemoryWaitlist(WaitlistRepository):
    def __init__(self) -> None:
        self.rows: dict[UUID, WaitlistEntry] = {}

    async def add(self, entry: WaitlistEntry) -> None:
        self.rows[entry.id] = _entry(entry)

    async def get(self, entry_id: WaitlistEntryId) -> WaitlistEntry | None:
        found = self.rows.get(entry_id)
        return _entry(found) if found else None

    async def save(self, entry: WaitlistEntry, *, expected_version: int) -> None:
        current = self.rows.get(entry.id)
        if current is None or current.version != expected_version:
            raise StaleVersion("the waitlist entry was changed by someone else")
        self.rows[entry.id] = _entry(entry)

    async def find(self, criteria: WaitlistCriteria, page: PageRequest) -> Page[WaitlistEntry]:
        found = sorted(
            (
                e
                for e in self.rows.values()
                if (criteria.patient_id is None or e.patient_id == criteria.patient_id)
                and (criteria.practitioner_id is None or e.practitioner_id == criteria.practitioner_id)
                and (criteria.status is None or e.status is criteria.status)
            ),
            key=lambda e: e.rank,
        )
        items = found[page.offset : page.offset + page.page_size]
        return Page([_entry(e) for e in items], len(found), page.page, page.page_size)

    async def waiting_for(self, practitioner_id: PractitionerId, speciality: str | None) -> Sequence[WaitlistEntry]:
        return [
            _entry(e)
            for e in self.rows.values()
            if e.status is WaitlistStatus.WAITING
            and (
                e.practitioner_id == practitioner_id
                or (e.practitioner_id is None and speciality is not None and e.speciality == speciality)
            )
        ]


class FakePatientDirectory(PatientDirectory):
    """Patients by MRN (any string key works as an MRN)."""

    def __init__(self, patients: dict[str, PatientId]) -> None:
        self._patients = patients

    async def exists(self, patient_id: PatientId) -> bool:
        return patient_id in self._patients.values()

    async def ids_by_mrn(self, mrns: Iterable[str]) -> dict[str, PatientId]:
        return {m: self._patients[m] for m in mrns if m in self._patients}


class FakePractitionerDirectory(PractitionerDirectory):
    """Practitioners with their speciality (``speciality_key`` folded) and external id."""

    def __init__(self) -> None:
        self.infos: dict[PractitionerId, PractitionerInfo] = {}
        self.external_ids: dict[str, PractitionerId] = {}

    def add(
        self, practitioner_id: PractitionerId, speciality: str | None = None, external_id: str | None = None
    ) -> None:
        self.infos[practitioner_id] = PractitionerInfo(
            id=practitioner_id,
            name="Dr Test",
            speciality=speciality,
            speciality_key=fold(speciality) if speciality else None,
            is_active=True,
        )
        if external_id is not None:
            self.external_ids[external_id] = practitioner_id

    async def get(self, practitioner_id: PractitionerId) -> PractitionerInfo | None:
        return self.infos.get(practitioner_id)

    async def exists(self, practitioner_id: PractitionerId) -> bool:
        return practitioner_id in self.infos

    async def with_speciality(self, speciality: str) -> Sequence[PractitionerInfo]:
        key = fold(speciality)
        return [p for p in self.infos.values() if p.speciality_key == key and p.is_active]

    async def ids_by_external_id(self, external_ids: Iterable[str]) -> dict[str, PractitionerId]:
        return {e: self.external_ids[e] for e in external_ids if e in self.external_ids}
