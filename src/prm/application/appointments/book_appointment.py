"""Book an appointment: from a ``time_slot_id`` of the availability endpoint, or an explicit time."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import structlog

from prm.application.appointments.booking import place
from prm.application.appointments.ports import (
    AppointmentRepository,
    HoldRepository,
    PatientDirectory,
    PractitionerDirectory,
    ScheduleRepository,
)
from prm.application.appointments.slots import SlotSearch
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.appointments.errors import (
    InvalidTimeSlot,
    PatientNotFound,
    PractitionerNotFound,
    SlotNotAvailable,
)
from prm.domain.appointments.ids import LocationId
from prm.domain.appointments.model import SCHEDULING_DATES, Appointment, AppointmentStatus, Period, TimeSlot
from prm.domain.appointments.slot_ids import decode_slot_id
from prm.domain.shared.ids import PatientId, PractitionerId

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class BookAppointmentCommand:
    """Either ``time_slot_id`` (checked against the current availability; it names its
    practitioner and location, so ``practitioner_id`` and ``location_id`` may be left out, and
    must be its own when given) or ``starts_at``/``ends_at`` (wire ``start_time``/``end_time``;
    any time clear of the practitioner's other appointments: the front desk may book outside the
    published schedule) with ``practitioner_id``."""

    patient_id: PatientId
    practitioner_id: PractitionerId | None = None
    location_id: LocationId | None = None
    time_slot_id: UUID | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    appointment_type: str | None = None
    reason_text: str | None = None
    source_channel: str | None = None
    status: AppointmentStatus = AppointmentStatus.BOOKED


@dataclass(frozen=True, slots=True)
class _Target:
    slot: TimeSlot
    practitioner_id: PractitionerId
    location_id: LocationId | None


class BookAppointment:
    """Book for a known patient of the tenant (reference API ``POST /appointments``).

    Raises ``PatientNotFound`` / ``PractitionerNotFound`` (404), ``SlotUnavailable`` naming the
    conflicting appointment, ``SlotHeld``, ``SlotNotAvailable`` (409), ``SlotInThePast`` and
    ``InvalidTimeSlot`` (422). Records ``AppointmentBooked`` and an audit event.
    """

    def __init__(
        self,
        appointments: AppointmentRepository,
        holds: HoldRepository,
        patients: PatientDirectory,
        practitioners: PractitionerDirectory,
        schedules: ScheduleRepository,
        search: SlotSearch,
        outbox: Outbox,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._appointments = appointments
        self._holds = holds
        self._patients = patients
        self._practitioners = practitioners
        self._schedules = schedules
        self._search = search
        self._outbox = outbox
        self._audit = audit
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, command: BookAppointmentCommand) -> Appointment:
        now = self._clock.now()
        target = await self._target(command)
        slot, practitioner_id = target.slot, target.practitioner_id
        if not await self._patients.exists(command.patient_id):
            raise PatientNotFound(f"patient {command.patient_id} not found")
        if not await self._practitioners.exists(practitioner_id):
            raise PractitionerNotFound(f"practitioner {practitioner_id} not found")
        appointment = Appointment.book(
            tenant_id=self._context.tenant_id,
            patient_id=command.patient_id,
            practitioner_id=practitioner_id,
            location_id=target.location_id,
            slot=slot,
            now=now,
            appointment_type=command.appointment_type,
            reason_text=command.reason_text,
            source_channel=command.source_channel,
            status=command.status,
        )
        if command.time_slot_id is not None:
            await self._appointments.lock_for_booking(practitioner_id)
            margin = timedelta(minutes=1)
            window = Period(
                SCHEDULING_DATES.clamp(slot.starts_at - margin), SCHEDULING_DATES.clamp(slot.ends_at + margin)
            )
            free = await self._search(
                [practitioner_id],
                window,
                now=now,
                location_id=target.location_id,
                duration=slot.duration,
                holder=command.patient_id,
            )
            if not any(s.slot == slot for s in free):
                clash = await self._appointments.overlapping(practitioner_id, slot)
                if not clash:
                    raise SlotNotAvailable("this slot is no longer available: look for slots again")
        await place(appointment, self._appointments, self._holds)
        await self._outbox.add(appointment.events)
        await self._audit.record(AuditAction.CREATE, "appointment", [appointment.id])
        await self._uow.commit()
        log.info("appointment.booked", appointment_id=str(appointment.id))
        return appointment

    async def _target(self, command: BookAppointmentCommand) -> _Target:
        """The slot, practitioner and location to book; raises :class:`InvalidTimeSlot` naming the
        wire field at fault, ``SlotNotAvailable`` for a slot id of no current schedule."""
        if command.time_slot_id is None:
            if command.starts_at is None or command.ends_at is None:
                missing = "start_time" if command.starts_at is None else "end_time"
                raise InvalidTimeSlot("give a time_slot_id, or start_time and end_time", field=missing)
            slot = TimeSlot(command.starts_at, command.ends_at)
            if command.practitioner_id is None:
                raise InvalidTimeSlot(
                    "give the practitioner_id with start_time and end_time (a time_slot_id names its own)",
                    field="practitioner_id",
                )
            return _Target(slot, command.practitioner_id, command.location_id)
        decoded = decode_slot_id(command.time_slot_id)
        tenant_id = self._context.tenant_id
        if command.practitioner_id is not None and decoded.issued_for(
            tenant_id, command.practitioner_id, command.location_id
        ):
            return _Target(decoded.slot, command.practitioner_id, command.location_id)
        # The id holds a digest of its practitioner and location: find the schedule it came from.
        issued = sorted(
            {
                (s.practitioner_id, s.location_id)
                for s in await self._schedules.schedules()
                if decoded.issued_for(tenant_id, s.practitioner_id, s.location_id)
            }
        )
        if not issued:
            raise SlotNotAvailable("this slot is no longer available: look for slots again")
        for practitioner_id, location_id in issued:
            if command.practitioner_id in (None, practitioner_id) and command.location_id in (None, location_id):
                return _Target(decoded.slot, practitioner_id, location_id)
        if command.practitioner_id is not None and command.practitioner_id not in {p for p, _ in issued}:
            raise InvalidTimeSlot(
                f"time_slot_id is a slot of another practitioner than practitioner_id {command.practitioner_id}: "
                "leave practitioner_id out, or look for slots of this practitioner",
                field="practitioner_id",
            )
        raise InvalidTimeSlot(
            f"time_slot_id is a slot at another location than location_id {command.location_id}: "
            "leave location_id out, or look for slots at this location",
            field="location_id",
        )
