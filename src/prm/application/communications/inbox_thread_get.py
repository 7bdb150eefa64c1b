"""One thread with a page of its messages."""

from dataclasses import dataclass

from prm.application.communications.inbox_ports import InboxMessages, ThreadMessage, ThreadRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.paging import Page, PageRequest
from prm.application.shared.ports import UnitOfWork
from prm.domain.communications.threads import Thread, ThreadId, ThreadNotFound

THREAD_ENTITY = "communication_thread"
"""The audit trail's entity type of a thread."""


async def find_thread(threads: ThreadRepository, thread_id: ThreadId) -> Thread:
    """The thread; raises :class:`ThreadNotFound` (404, also for another tenant's id)."""
    thread = await threads.get(thread_id)
    if thread is None:
        raise ThreadNotFound(f"thread {thread_id} not found")
    return thread


@dataclass(frozen=True, slots=True)
class ThreadWithMessages:
    thread: Thread
    messages: Page[ThreadMessage]


class GetThread:
    """The thread and a page of its messages, newest first. Reading messages is a read of the
    patient's record: one ``read`` audit event names the thread and the messages shown (committed).
    Raises ``ThreadNotFound`` (404)."""

    def __init__(self, threads: ThreadRepository, messages: InboxMessages, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._threads = threads
        self._messages = messages
        self._audit = audit
        self._uow = uow

    async def __call__(self, thread_id: ThreadId, page: PageRequest) -> ThreadWithMessages:
        thread = await find_thread(self._threads, thread_id)
        messages = await self._messages.of_thread(thread.id, page)
        await self._audit.record(AuditAction.READ, THREAD_ENTITY, [thread.id])
        if messages.items:
            await self._audit.record(AuditAction.READ, "communication", [m.id for m in messages.items])
        await self._uow.commit()
        return ThreadWithMessages(thread, messages)
