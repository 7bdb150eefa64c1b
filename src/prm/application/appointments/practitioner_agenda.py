"""A practitioner's appointments over a range, with their locations (for calendar export)."""

from dataclasses import dataclass
from datetime import UTC, date, timedelta

from prm.application.appointments.ports import (
    AppointmentCriteria,
    AppointmentFinder,
    PractitionerDirectory,
    PractitionerInfo,
    ScheduleRepository,
)
from prm.application.shared.ports import Clock
from prm.domain.appointments.dates import MAX_EXPORT_DAYS, LocalDateRange
from prm.domain.appointments.errors import PractitionerNotFound
from prm.domain.appointments.ids import LocationId
from prm.domain.appointments.model import Appointment, AppointmentStatus
from prm.domain.appointments.schedule import Location
from prm.domain.shared.ids import PractitionerId

MAX_ENTRIES = 5000
DAYS_BACK = 30
DEFAULT_DAYS = 211  # 30 days back to 180 days ahead
_SHOWN = frozenset(AppointmentStatus) - {AppointmentStatus.ENTERED_IN_ERROR}


@dataclass(frozen=True, slots=True)
class Agenda:
    practitioner: PractitionerInfo
    appointments: list[Appointment]
    locations: dict[LocationId, Location]


class PractitionerAgenda:
    """Appointments starting on the UTC dates ``start_date`` … ``end_date`` (default: 30 days back
    to 180 days ahead; ``start_date`` alone: 211 days from it; at most :data:`MAX_EXPORT_DAYS`), at most
    5000, any status but entered-in-error.

    Raises ``PractitionerNotFound`` (404), ``DateOutOfRange`` / ``InvalidDateRange`` (422).
    """

    def __init__(
        self,
        finder: AppointmentFinder,
        schedules: ScheduleRepository,
        practitioners: PractitionerDirectory,
        clock: Clock,
    ) -> None:
        self._finder = finder
        self._schedules = schedules
        self._practitioners = practitioners
        self._clock = clock

    async def __call__(
        self, practitioner_id: PractitionerId, start_date: date | None = None, end_date: date | None = None
    ) -> Agenda:
        today = self._clock.now().date()
        dates = LocalDateRange.of(
            start_date,
            end_date,
            default_start=today - timedelta(days=DAYS_BACK),
            default_days=DEFAULT_DAYS,
            longest=MAX_EXPORT_DAYS,
        )
        practitioner = await self._practitioners.get(practitioner_id)
        if practitioner is None:
            raise PractitionerNotFound(f"practitioner {practitioner_id} not found")
        window = dates.window(UTC)
        criteria = AppointmentCriteria(
            practitioner_id=practitioner_id,
            statuses=_SHOWN,
            starts_from=window.starts_at,
            starts_before=window.ends_at,
        )
        appointments = list(await self._finder.first(criteria, MAX_ENTRIES))
        locations: dict[LocationId, Location] = {}
        for location_id in {a.location_id for a in appointments if a.location_id}:
            location = await self._schedules.get_location(location_id)
            if location is not None:
                locations[location_id] = location
        return Agenda(practitioner, appointments, locations)
