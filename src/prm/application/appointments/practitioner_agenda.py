"""A practitioner's appointments over a range, with their locations (for calendar export)."""

from dataclasses import dataclass
from uuid import UUID

from prm.application.appointments.ports import (
    AppointmentCriteria,
    AppointmentFinder,
    PractitionerDirectory,
    PractitionerInfo,
    ScheduleRepository,
)
from prm.domain.appointments.errors import InvalidTimeSlot, PractitionerNotFound
from prm.domain.appointments.model import Appointment, AppointmentStatus, TimeSlot
from prm.domain.appointments.schedule import Location
from prm.domain.shared.ids import PractitionerId

MAX_ENTRIES = 5000
_SHOWN = frozenset(AppointmentStatus) - {AppointmentStatus.ENTERED_IN_ERROR}


@dataclass(frozen=True, slots=True)
class Agenda:
    practitioner: PractitionerInfo
    appointments: list[Appointment]
    locations: dict[UUID, Location]


class PractitionerAgenda:
    """Appointments starting in ``window`` (UTC; at most 5000, any status but entered-in-error).

    Raises ``PractitionerNotFound`` (404), ``InvalidTimeSlot`` for a window over 400 days.
    """

    def __init__(
        self, finder: AppointmentFinder, schedules: ScheduleRepository, practitioners: PractitionerDirectory
    ) -> None:
        self._finder = finder
        self._schedules = schedules
        self._practitioners = practitioners

    async def __call__(self, practitioner_id: PractitionerId, window: TimeSlot | None) -> Agenda:
        practitioner = await self._practitioners.get(practitioner_id)
        if practitioner is None:
            raise PractitionerNotFound(f"practitioner {practitioner_id} not found")
        criteria = AppointmentCriteria(practitioner_id=practitioner_id, statuses=_SHOWN)
        if window is not None:
            if (window.ends_at - window.starts_at).days > 400:
                raise InvalidTimeSlot("export at most 400 days at a time")
            criteria = AppointmentCriteria(
                practitioner_id=practitioner_id,
                statuses=_SHOWN,
                starts_from=window.starts_at,
                starts_before=window.ends_at,
            )
        appointments = list(await self._finder.first(criteria, MAX_ENTRIES))
        locations: dict[UUID, Location] = {}
        for location_id in {a.location_id for a in appointments if a.location_id}:
            location = await self._schedules.get_location(location_id)
            if location is not None:
                locations[location_id] = location
        return Agenda(practitioner, appointments, locations)
