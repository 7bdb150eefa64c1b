"""The tenant's threads, for the inbox's list."""

from prm.application.communications.inbox_ports import ThreadFilter, ThreadRepository
from prm.application.shared.paging import Page, PageRequest
from prm.domain.communications.threads import Thread


class ListThreads:
    """Threads matching the filter, newest activity (``last_message_at``) first. Threads carry no
    message text, so listing them is not a read of patient records."""

    def __init__(self, threads: ThreadRepository) -> None:
        self._threads = threads

    async def __call__(self, where: ThreadFilter, page: PageRequest) -> Page[Thread]:
        return await self._threads.list_page(where, page)
