"""Remove an appointment for good (reference API ``DELETE /appointments/{id}``; prefer cancel)."""

import structlog

from prm.application.appointments.ports import AppointmentRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Outbox, UnitOfWork
from prm.domain.appointments.errors import AppointmentNotFound
from prm.domain.appointments.ids import AppointmentId

log = structlog.get_logger(__name__)


class DeleteAppointment:
    """Raises ``AppointmentNotFound`` (404). Records ``AppointmentDeleted``."""

    def __init__(self, appointments: AppointmentRepository, outbox: Outbox, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._appointments = appointments
        self._outbox = outbox
        self._audit = audit
        self._uow = uow

    async def __call__(self, appointment_id: AppointmentId) -> None:
        appointment = await self._appointments.get(appointment_id)
        if appointment is None:
            raise AppointmentNotFound(f"appointment {appointment_id} not found")
        appointment.delete()
        await self._appointments.remove(appointment)
        await self._outbox.add(appointment.events)
        await self._audit.record(AuditAction.DELETE, "appointment", [appointment.id])
        await self._uow.commit()
        log.info("appointment.deleted", appointment_id=str(appointment_id))
