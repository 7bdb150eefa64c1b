"""Read one appointment."""

from prm.application.appointments.ports import AppointmentRepository
from prm.domain.appointments.errors import AppointmentNotFound
from prm.domain.appointments.ids import AppointmentId
from prm.domain.appointments.model import Appointment


class GetAppointment:
    """One appointment of the tenant; ``AppointmentNotFound`` (404), also for other tenants' ids."""

    def __init__(self, appointments: AppointmentRepository) -> None:
        self._appointments = appointments

    async def __call__(self, appointment_id: AppointmentId) -> Appointment:
        appointment = await self._appointments.get(appointment_id)
        if appointment is None:
            raise AppointmentNotFound(f"appointment {appointment_id} not found")
        return appointment
