"""Staff read a thread: nothing unread in it any more."""

from prm.application.communications.inbox_ports import InboxMessages, ThreadRepository
from prm.application.communications.inbox_thread_get import find_thread
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.communications.threads import Thread, ThreadId


class MarkThreadRead:
    """Unread count to 0 and the thread's unread inbound messages ``read`` (``read_at`` now).
    Idempotent. Raises ``ThreadNotFound`` (404)."""

    def __init__(self, threads: ThreadRepository, messages: InboxMessages, uow: UnitOfWork, clock: Clock) -> None:
        self._threads = threads
        self._messages = messages
        self._uow = uow
        self._clock = clock

    async def __call__(self, thread_id: ThreadId) -> Thread:
        thread = await find_thread(self._threads, thread_id)
        now = self._clock.now()
        version = thread.version
        if thread.mark_read(now):
            await self._threads.save(thread, expected_version=version)
        await self._messages.mark_read(thread.id, now)
        await self._uow.commit()
        return thread
