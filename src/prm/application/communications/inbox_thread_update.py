"""Staff change a thread: who looks after it, and whether it is open."""

from dataclasses import dataclass

import structlog

from prm.application.communications.inbox_ports import ThreadRepository
from prm.application.communications.inbox_thread_get import THREAD_ENTITY, find_thread
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.communications.threads import StaffUserId, Thread, ThreadId, ThreadStatus

log = structlog.get_logger(__name__)


class _Keep:
    """Marks a field the command leaves as it is."""


KEEP = _Keep()


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateThreadCommand:
    """``assigned_to`` a staff user id, ``None`` to unassign, :data:`KEEP` to leave; ``status``
    open or closed, ``None`` to leave."""

    thread_id: ThreadId
    assigned_to: StaffUserId | None | _Keep = KEEP
    status: ThreadStatus | None = None


class UpdateThread:
    """Assign, unassign, close or reopen a thread. Records an ``update`` audit event with the
    changed field names; a change to nothing does nothing. Raises ``ThreadNotFound`` (404)."""

    def __init__(self, threads: ThreadRepository, audit: AuditTrail, uow: UnitOfWork, clock: Clock) -> None:
        self._threads = threads
        self._audit = audit
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: UpdateThreadCommand) -> Thread:
        thread = await find_thread(self._threads, command.thread_id)
        now = self._clock.now()
        version = thread.version
        if not isinstance(command.assigned_to, _Keep):
            thread.assign(command.assigned_to, now)
        if command.status is not None:
            thread.set_status(command.status, now)
        if not thread.changed:
            return thread
        await self._threads.save(thread, expected_version=version)
        await self._audit.record(AuditAction.UPDATE, THREAD_ENTITY, [thread.id], list(thread.changed))
        await self._uow.commit()
        log.info("thread.updated", thread_id=str(thread.id), fields=list(thread.changed))
        return thread
