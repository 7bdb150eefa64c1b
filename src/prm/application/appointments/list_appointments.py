"""The appointment list of the reference API (``GET /appointments``, ``GET /patients/{id}/appointments``)."""

from prm.application.appointments.ports import AppointmentCriteria, AppointmentFinder
from prm.application.shared.paging import Page, PageRequest
from prm.domain.appointments.model import Appointment


class ListAppointments:
    """A page of matching appointments by start time."""

    def __init__(self, finder: AppointmentFinder) -> None:
        self._finder = finder

    async def __call__(self, criteria: AppointmentCriteria, page: PageRequest) -> Page[Appointment]:
        return await self._finder.find(criteria, page)
