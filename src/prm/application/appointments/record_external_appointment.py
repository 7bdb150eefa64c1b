"""Record an appointment another system booked (HL7 v2 SIU^S12 from a hospital's scheduler)."""

from dataclasses import dataclass
from datetime import datetime

import structlog

from prm.application.appointments.booking import place
from prm.application.appointments.ports import (
    AppointmentRepository,
    HoldRepository,
    PatientDirectory,
    PractitionerDirectory,
)
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.appointments.errors import PatientNotFound, PractitionerNotFound
from prm.domain.appointments.ids import AppointmentId, LocationId
from prm.domain.appointments.model import SCHEDULING_DATES, Appointment, AppointmentStatus, TimeSlot
from prm.domain.shared.ids import PatientId, PractitionerId, new_id

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordExternalAppointmentCommand:
    """A booking as the other system made it: times tz-aware (UTC in storage), ``source_channel``
    naming the feed (``hl7``). The other system's ids are the caller's to keep (the hl7 context
    links SCH-1/SCH-2 to the appointment)."""

    patient_id: PatientId
    practitioner_id: PractitionerId
    starts_at: datetime
    ends_at: datetime
    location_id: LocationId | None = None
    appointment_type: str | None = None
    reason_text: str | None = None
    source_channel: str | None = None


class RecordExternalAppointment:
    """Record a ``booked`` appointment that the hospital booked, even in the past (its record of
    what happened; ``BookAppointment`` refuses the past).

    A future one is booked as ``BookAppointment`` does (``AppointmentBooked``, reminders); a past
    one is history and raises no event. Either way the practitioner's active appointments may not
    overlap it (``SlotUnavailable``, 409, from the database) and holds of other patients count
    (``SlotHeld``). Raises ``PatientNotFound`` / ``PractitionerNotFound`` (404),
    ``InvalidTimeSlot`` / ``DateOutOfRange`` (422). Records an audit event.
    """

    def __init__(
        self,
        appointments: AppointmentRepository,
        holds: HoldRepository,
        patients: PatientDirectory,
        practitioners: PractitionerDirectory,
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
        self._outbox = outbox
        self._audit = audit
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, command: RecordExternalAppointmentCommand) -> Appointment:
        now = self._clock.now()
        SCHEDULING_DATES.check_instant(command.starts_at, "start_time")
        SCHEDULING_DATES.check_instant(command.ends_at, "end_time", end=True)
        slot = TimeSlot(command.starts_at, command.ends_at)
        if not await self._patients.exists(command.patient_id):
            raise PatientNotFound(f"patient {command.patient_id} not found")
        if not await self._practitioners.exists(command.practitioner_id):
            raise PractitionerNotFound(f"practitioner {command.practitioner_id} not found")
        if slot.starts_at > now:
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
            )
        else:
            appointment = Appointment(
                id=AppointmentId(new_id()),
                tenant_id=self._context.tenant_id,
                patient_id=command.patient_id,
                practitioner_id=command.practitioner_id,
                location_id=command.location_id,
                slot=slot,
                status=AppointmentStatus.BOOKED,
                appointment_type=command.appointment_type,
                reason_text=command.reason_text,
                source_channel=command.source_channel,
                created_at=now,
                updated_at=now,
            )
        await place(appointment, self._appointments, self._holds)
        await self._outbox.add(appointment.events)
        await self._audit.record(AuditAction.CREATE, "appointment", [appointment.id])
        await self._uow.commit()
        log.info("appointment.recorded", appointment_id=str(appointment.id))
        return appointment
