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
from prm.domain.appointments.model import Appointment, AppointmentStatus, TimeSlot
from prm.domain.appointments.slot_ids import decode_slot_id
from prm.domain.shared.ids import PatientId, PractitionerId

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class BookAppointmentCommand:
    """Either ``time_slot_id`` (checked against the current availability of the practitioner at
    the location) or ``starts_at``/``ends_at`` (UTC; any time clear of the practitioner's
    other appointments: the front desk may book outside the published schedule)."""

    patient_id: PatientId
    practitioner_id: PractitionerId
    location_id: UUID | None = None
    time_slot_id: UUID | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    appointment_type: str | None = None
    reason_text: str | None = None
    source_channel: str | None = None
    status: AppointmentStatus = AppointmentStatus.BOOKED


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
        self._search = search
        self._outbox = outbox
        self._audit = audit
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, command: BookAppointmentCommand) -> Appointment:
        now = self._clock.now()
        if command.time_slot_id is not None:
            decoded = decode_slot_id(command.time_slot_id)
            if not decoded.issued_for(self._context.tenant_id, command.practitioner_id, command.location_id):
                raise InvalidTimeSlot("time_slot_id was issued for another practitioner or location")
            slot = decoded.slot
        elif command.starts_at is not None and command.ends_at is not None:
            slot = TimeSlot(command.starts_at, command.ends_at)
        else:
            raise InvalidTimeSlot("give a time_slot_id, or starts_at and ends_at")
        if not await self._patients.exists(command.patient_id):
            raise PatientNotFound(f"patient {command.patient_id} not found")
        if await self._practitioners.get(command.practitioner_id) is None:
            raise PractitionerNotFound(f"practitioner {command.practitioner_id} not found")
        appointment = Appointment.book(
            tenant_id=self._context.tenant_id,
            patient_id=command.patient_id,
            practitioner_id=command.practitioner_id,
            location_id=command.location_id,
            slot=slot,
            now=now,
            appointment_type=command.appointment_type,
            reason_text=command.reason_text,
            source_channel=command.source_channel,
            status=command.status,
        )
        if command.time_slot_id is not None:
            await self._appointments.lock_for_booking(command.practitioner_id)
            window = TimeSlot(slot.starts_at - timedelta(minutes=1), slot.ends_at + timedelta(minutes=1))
            free = await self._search(
                [command.practitioner_id],
                window,
                now=now,
                location_id=command.location_id,
                duration=slot.duration,
                holder=command.patient_id,
            )
            if not any(s.slot == slot for s in free):
                clash = await self._appointments.overlapping(command.practitioner_id, slot)
                if not clash:
                    raise SlotNotAvailable("this slot is no longer available: look for slots again")
        await place(appointment, self._appointments, self._holds)
        await self._outbox.add(appointment.events)
        await self._audit.record(AuditAction.CREATE, "appointment", [appointment.id])
        await self._uow.commit()
        log.info("appointment.booked", appointment_id=str(appointment.id))
        return appointment
