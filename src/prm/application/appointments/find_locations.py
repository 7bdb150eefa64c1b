"""The FHIR Location search: the tenant's locations by name, a page at a time."""

from dataclasses import dataclass, field

from prm.application.appointments.ports import ScheduleRepository
from prm.application.shared.paging import Page, PageRequest
from prm.domain.appointments.schedule import Location
from prm.domain.shared.text import fold, prefixes_all_found


@dataclass(frozen=True, slots=True, kw_only=True)
class FindLocationsQuery:
    """``name``: every word of it starts a word of the location's name (any case or accent)."""

    page: PageRequest = field(default_factory=PageRequest)
    name: str | None = None


class FindLocations:
    """A page of the tenant's locations, by name (a tenant has a handful: filtered in memory)."""

    def __init__(self, schedules: ScheduleRepository) -> None:
        self._schedules = schedules

    async def __call__(self, query: FindLocationsQuery) -> Page[Location]:
        locations = list(await self._schedules.locations())
        words = fold(query.name).split() if query.name else []
        if words:
            locations = [loc for loc in locations if prefixes_all_found(fold(loc.name).split(), words)]
        start = query.page.offset
        items = locations[start : start + query.page.page_size]
        return Page(items, len(locations), query.page.page, query.page.page_size)
