"""Remove an appointment for good (reference API ``DELETE /appointments/{id}``; prefer cancel)."""

import structlog

from prm.application.appointments.ports import AppointmentRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Outbox, UnitOfWork
from prm.domain.appointments.errors import AppointmentNotFound
from prm.domain.appointments.ids import AppointmentId
from prm.domain.shared.errors import StaleVersion

log = structlog.get_logger(__name__)


class DeleteAppointment:
    """Raises ``AppointmentNotFound`` (404); ``StaleVersion`` (409) when ``expected_version`` is
    given and the appointment is at another, or moves before the delete (an offline device's
    delete based on an old version). Records ``AppointmentDeleted``."""

    def __init__(self, appointments: AppointmentRepository, outbox: Outbox, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._appointments = appointments
        self._outbox = outbox
        self._audit = audit
        self._uow = uow

    async def __call__(self, appointment_id: AppointmentId, expected_version: int | None = None) -> None:
        appointment = await self._appointments.get(appointment_id)
        if appointment is None:
            raise AppointmentNotFound(f"appointment {appointment_id} not found")
        version = appointment.version
        if expected_version is not None and version != expected_version:
            raise StaleVersion(f"appointment {appointment_id} is at version {version}, not {expected_version}")
        appointment.delete()
        await self._appointments.remove(appointment, expected_version=version)
        await self._outbox.add(appointment.events)
        await self._audit.record(AuditAction.DELETE, "appointment", [appointment.id])
        await self._uow.commit()
        log.info("appointment.deleted", appointment_id=str(appointment_id))
