"""Free slots of a practitioner, or of every practitioner of a speciality."""

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from prm.application.appointments.ports import PractitionerDirectory
from prm.application.appointments.slots import AvailableSlot, SlotSearch
from prm.application.shared.ports import Clock
from prm.domain.appointments.errors import InvalidSchedule, PractitionerNotFound
from prm.domain.appointments.model import TimeSlot
from prm.domain.shared.ids import PractitionerId


@dataclass(frozen=True, slots=True, kw_only=True)
class AvailabilityQuery:
    """``practitioner_id`` or ``speciality`` (any case or accent); ``window`` in UTC (the HTTP
    layer turns local dates into it); ``duration`` defaults to each schedule's slot length."""

    window: TimeSlot
    practitioner_id: PractitionerId | None = None
    speciality: str | None = None
    location_id: UUID | None = None
    duration: timedelta | None = None
    limit: int | None = None


class GetAvailability:
    """Free slots (inside availability, outside exceptions, clear of active appointments and other
    patients' live holds by the schedule's buffer, in the future), by start time.

    Raises ``PractitionerNotFound`` (404), ``InvalidSchedule`` (422) without a practitioner or speciality.
    """

    def __init__(self, search: SlotSearch, practitioners: PractitionerDirectory, clock: Clock) -> None:
        self._search = search
        self._practitioners = practitioners
        self._clock = clock

    async def __call__(self, query: AvailabilityQuery) -> list[AvailableSlot]:
        if query.practitioner_id is not None:
            if await self._practitioners.get(query.practitioner_id) is None:
                raise PractitionerNotFound(f"practitioner {query.practitioner_id} not found")
            ids = [query.practitioner_id]
        elif query.speciality and query.speciality.strip():
            ids = [p.id for p in await self._practitioners.with_speciality(query.speciality)]
        else:
            raise InvalidSchedule("give a practitioner_id or a speciality", field="practitioner_id")
        return await self._search(
            ids,
            query.window,
            now=self._clock.now(),
            location_id=query.location_id,
            duration=query.duration,
            limit=query.limit,
        )
