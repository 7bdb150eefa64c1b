"""Cancel an appointment with a coded reason, and offer the freed slot to the waitlist."""

from dataclasses import dataclass

import structlog

from prm.application.appointments.ports import AppointmentRepository
from prm.application.appointments.waitlist_offers import WaitlistOffers
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.appointments.errors import AppointmentNotFound
from prm.domain.appointments.ids import AppointmentId
from prm.domain.appointments.model import Appointment, CancellationReason
from prm.domain.appointments.waitlist import Hold

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelAppointmentCommand:
    """``reason``: FHIR R4 appointment-cancellation-reason code; ``notify_patient`` travels in the
    ``appointment.cancelled`` event for the communications module."""

    appointment_id: AppointmentId
    reason: CancellationReason = CancellationReason.OTHER
    notify_patient: bool = True


@dataclass(frozen=True, slots=True)
class CancelledAppointment:
    appointment: Appointment
    offer: Hold | None


class CancelAppointment:
    """Raises ``AppointmentNotFound`` (404), ``InvalidTransition`` (409: already happened or
    cancelled). A future slot is offered to the best matching waitlist entry in the same transaction."""

    def __init__(
        self,
        appointments: AppointmentRepository,
        offers: WaitlistOffers,
        outbox: Outbox,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
    ) -> None:
        self._appointments = appointments
        self._offers = offers
        self._outbox = outbox
        self._audit = audit
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: CancelAppointmentCommand) -> CancelledAppointment:
        now = self._clock.now()
        appointment = await self._appointments.get(command.appointment_id)
        if appointment is None:
            raise AppointmentNotFound(f"appointment {command.appointment_id} not found")
        version = appointment.version
        appointment.cancel(command.reason, now, notify_patient=command.notify_patient)
        await self._appointments.save(appointment, expected_version=version)
        await self._outbox.add(appointment.events)
        offer = await self._offers.offer(appointment.practitioner_id, appointment.location_id, appointment.slot, now)
        await self._audit.record(
            AuditAction.UPDATE, "appointment", [appointment.id], changed_fields=["status", "cancellation_reason"]
        )
        await self._uow.commit()
        log.info("appointment.cancelled", appointment_id=str(appointment.id), reason=command.reason.value)
        return CancelledAppointment(appointment, offer)
