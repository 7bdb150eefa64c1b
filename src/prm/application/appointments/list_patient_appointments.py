"""A patient's appointments (reference API: ``GET /patients/{id}/appointments``)."""

from prm.application.appointments.ports import AppointmentCriteria, AppointmentFinder, PatientDirectory
from prm.application.shared.paging import Page, PageRequest
from prm.domain.appointments.errors import PatientNotFound
from prm.domain.appointments.model import Appointment


class ListPatientAppointments:
    """A page of one patient's appointments by start time.

    Raises ``PatientNotFound`` (404) when the patient is not the caller's tenant's, rather than
    answering an empty page: an id from another tenant must look exactly like an unknown one.
    ``criteria.patient_id`` must be set.
    """

    def __init__(self, finder: AppointmentFinder, patients: PatientDirectory) -> None:
        self._finder = finder
        self._patients = patients

    async def __call__(self, criteria: AppointmentCriteria, page: PageRequest) -> Page[Appointment]:
        if criteria.patient_id is None or not await self._patients.exists(criteria.patient_id):
            raise PatientNotFound(f"patient {criteria.patient_id} not found")
        return await self._finder.find(criteria, page)
