"""The virtual visits' view of appointments, through the appointments context's public use case."""

from uuid import UUID

from prm.application.appointments.get_appointment import GetAppointment
from prm.application.communications.virtual_visits_ports import AppointmentFacts, AppointmentsForVisits
from prm.domain.appointments.errors import AppointmentNotFound
from prm.domain.appointments.ids import AppointmentId


class AppointmentsForVisitsFromAppointments(AppointmentsForVisits):
    """Reads with ``GetAppointment`` (same unit of work: no commit); ``None`` for an unknown id."""

    def __init__(self, get_appointment: GetAppointment) -> None:
        self._get = get_appointment

    async def get(self, appointment_id: UUID) -> AppointmentFacts | None:
        try:
            appointment = await self._get(AppointmentId(appointment_id))
        except AppointmentNotFound:
            return None
        return AppointmentFacts(
            appointment_id=appointment.id,
            patient_id=appointment.patient_id,
            practitioner_id=appointment.practitioner_id,
            appointment_type=appointment.appointment_type,
            starts_at=appointment.slot.starts_at,
            ends_at=appointment.slot.ends_at,
            status=appointment.status.value,
        )
