"""The waitlist."""

from prm.application.appointments.ports import WaitlistCriteria, WaitlistRepository
from prm.application.shared.paging import Page, PageRequest
from prm.domain.appointments.waitlist import WaitlistEntry


class ListWaitlist:
    """A page of entries by priority, then time on the list."""

    def __init__(self, waitlist: WaitlistRepository) -> None:
        self._waitlist = waitlist

    async def __call__(self, criteria: WaitlistCriteria, page: PageRequest) -> Page[WaitlistEntry]:
        return await self._waitlist.find(criteria, page)
