"""Free slots of a practitioner, or of every practitioner of a speciality, on local dates."""

from dataclasses import dataclass
from datetime import date, timedelta

from prm.application.appointments.ports import PractitionerDirectory
from prm.application.appointments.slots import AvailableSlot, SlotSearch
from prm.application.shared.ports import Clock
from prm.domain.appointments.dates import MAX_SEARCH_DAYS, LocalDateRange
from prm.domain.appointments.errors import InvalidSchedule, PractitionerNotFound
from prm.domain.appointments.ids import LocationId
from prm.domain.shared.ids import PractitionerId

DEFAULT_DAYS = 7


@dataclass(frozen=True, slots=True, kw_only=True)
class AvailabilityQuery:
    """``practitioner_id`` or ``speciality`` (any case or accent); ``on_date`` (wire ``date``), or
    ``start_date`` (default today, UTC) to ``end_date`` (default a week): local dates of each
    location, at most :data:`MAX_SEARCH_DAYS`; ``duration`` defaults to each schedule's slot length."""

    practitioner_id: PractitionerId | None = None
    speciality: str | None = None
    location_id: LocationId | None = None
    on_date: date | None = None
    start_date: date | None = None
    end_date: date | None = None
    duration: timedelta | None = None
    limit: int | None = None


@dataclass(frozen=True, slots=True)
class Availability:
    """The dates searched and the free slots on them, by start time."""

    dates: LocalDateRange
    slots: list[AvailableSlot]


class GetAvailability:
    """Free slots (inside availability, outside exceptions, clear of active appointments and other
    patients' live holds by the schedule's buffer, in the future) whose local start date is in
    the range, by start time.

    Raises ``PractitionerNotFound`` (404), ``InvalidSchedule`` (422) without a practitioner or
    speciality, ``DateOutOfRange`` / ``InvalidDateRange`` (422) for the dates.
    """

    def __init__(self, search: SlotSearch, practitioners: PractitionerDirectory, clock: Clock) -> None:
        self._search = search
        self._practitioners = practitioners
        self._clock = clock

    async def __call__(self, query: AvailabilityQuery) -> Availability:
        now = self._clock.now()
        if query.on_date is not None:
            dates = LocalDateRange.of(query.on_date, query.on_date, names=("date", "date"))
        else:
            dates = LocalDateRange.of(
                query.start_date,
                query.end_date,
                default_start=now.date(),
                default_days=DEFAULT_DAYS,
                longest=MAX_SEARCH_DAYS,
            )
        if query.practitioner_id is not None:
            if await self._practitioners.get(query.practitioner_id) is None:
                raise PractitionerNotFound(f"practitioner {query.practitioner_id} not found")
            ids = [query.practitioner_id]
        elif query.speciality and query.speciality.strip():
            ids = [p.id for p in await self._practitioners.with_speciality(query.speciality)]
        else:
            raise InvalidSchedule("give a practitioner_id or a speciality", field="practitioner_id")
        found = await self._search(
            ids,
            dates.window(),  # the dates are local: wide enough for any location's zone
            now=now,
            location_id=query.location_id,
            duration=query.duration,
        )
        slots = [s for s in found if s.local_start.date() in dates]
        return Availability(dates, slots[: query.limit] if query.limit is not None else slots)
