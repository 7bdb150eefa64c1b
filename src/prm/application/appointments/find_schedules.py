"""The FHIR Schedule search: the tenant's schedules of a practitioner and/or at a location, a page at a time."""

from dataclasses import dataclass, field

from prm.application.appointments.ports import ScheduleRepository
from prm.application.shared.paging import Page, PageRequest
from prm.domain.appointments.ids import LocationId
from prm.domain.appointments.schedule import Schedule
from prm.domain.shared.ids import PractitionerId


@dataclass(frozen=True, slots=True, kw_only=True)
class FindSchedulesQuery:
    """Filters that must all hold; ``None`` filters nothing."""

    page: PageRequest = field(default_factory=PageRequest)
    practitioner_id: PractitionerId | None = None
    location_id: LocationId | None = None


class FindSchedules:
    """A page of schedules in the repository's order (practitioner, location, start); a tenant has
    a few per practitioner, so they are paged in memory."""

    def __init__(self, schedules: ScheduleRepository) -> None:
        self._schedules = schedules

    async def __call__(self, query: FindSchedulesQuery) -> Page[Schedule]:
        practitioners = [query.practitioner_id] if query.practitioner_id else None
        found = list(await self._schedules.schedules(practitioners, query.location_id))
        start = query.page.offset
        return Page(found[start : start + query.page.page_size], len(found), query.page.page, query.page.page_size)
