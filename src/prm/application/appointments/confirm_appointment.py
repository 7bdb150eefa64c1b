"""The patient confirms they will come (FHIR ``Appointment.participant.status`` ``accepted``),
for example by replying ``C`` to a reminder."""

from dataclasses import dataclass

import structlog

from prm.application.appointments.ports import AppointmentRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.appointments.errors import AppointmentNotFound, InvalidTransition
from prm.domain.appointments.ids import AppointmentId
from prm.domain.appointments.model import Appointment, AppointmentStatus
from prm.domain.shared.ids import PatientId

log = structlog.get_logger(__name__)

PARTICIPANT_ACCEPTED = "accepted"
"""FHIR R4 ParticipationStatus (http://hl7.org/fhir/participationstatus)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfirmAppointmentCommand:
    """``patient_id``: who confirms; it must be the appointment's patient."""

    appointment_id: AppointmentId
    patient_id: PatientId


class ConfirmAppointment:
    """Records the patient's acceptance of a ``booked`` appointment that has not started, in the
    audit trail (``update`` of ``participant.status``), and commits.

    Raises ``AppointmentNotFound`` (404, also for another patient's appointment) and
    ``InvalidTransition`` (409: not booked, or started). The appointment itself does not keep
    the participant status yet (no column): the audit event is the record.
    """

    def __init__(self, appointments: AppointmentRepository, audit: AuditTrail, uow: UnitOfWork, clock: Clock) -> None:
        self._appointments = appointments
        self._audit = audit
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: ConfirmAppointmentCommand) -> Appointment:
        appointment = await self._appointments.get(command.appointment_id)
        if appointment is None or appointment.patient_id != command.patient_id:
            raise AppointmentNotFound(f"appointment {command.appointment_id} not found")
        if appointment.status is not AppointmentStatus.BOOKED:
            raise InvalidTransition(f"an appointment that is {appointment.status} cannot be confirmed")
        if appointment.slot.starts_at <= self._clock.now():
            raise InvalidTransition("an appointment cannot be confirmed once it has started")
        await self._audit.record(
            AuditAction.UPDATE, "appointment", [appointment.id], changed_fields=["participant.status"]
        )
        await self._uow.commit()
        log.info("appointment.confirmed", appointment_id=str(appointment.id), participant_status=PARTICIPANT_ACCEPTED)
        return appointment
