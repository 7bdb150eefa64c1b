"""A patient's statistics, as ``GET /patients/{id}`` carries them (the contract's
``PatientDetailResponse``: "full patient demographics with statistics")."""

from prm.application.patients.patient_360_ports import (
    RECENT_COMMUNICATIONS_WINDOW,
    PatientAppointments,
    PatientCommunications,
    PatientJourneys,
    PatientStatistics,
    PatientTickets,
)
from prm.application.shared.ports import Clock
from prm.domain.shared.ids import PatientId


class GetPatientStatistics:
    """The :class:`PatientStatistics` of a patient the caller has already read (no check that the
    patient exists, no audit: the read of the record itself is audited). Four statements, one
    per context, whatever the patient's history holds."""

    def __init__(
        self,
        appointments: PatientAppointments,
        journeys: PatientJourneys,
        tickets: PatientTickets,
        communications: PatientCommunications,
        clock: Clock,
    ) -> None:
        self._appointments = appointments
        self._journeys = journeys
        self._tickets = tickets
        self._communications = communications
        self._clock = clock

    async def __call__(self, patient_id: PatientId) -> PatientStatistics:
        now = self._clock.now()
        summary = await self._appointments.summary(patient_id, now)
        return PatientStatistics(
            total_appointments=summary.total,
            upcoming_appointments=summary.upcoming,
            no_show_appointments=summary.no_shows,
            active_journeys=await self._journeys.active_count(patient_id),
            open_tickets=await self._tickets.open_count(patient_id),
            recent_communications=await self._communications.count_since(
                patient_id, now - RECENT_COMMUNICATIONS_WINDOW
            ),
            last_visit_date=summary.last_visit_at,
            next_appointment_date=summary.next_appointment_at,
        )
