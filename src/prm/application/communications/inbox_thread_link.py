"""Attach an unmatched thread to a patient."""

import structlog

from prm.application.communications.contracts import PatientContacts
from prm.application.communications.inbox_ports import InboxMessages, ThreadRepository
from prm.application.communications.inbox_thread_get import THREAD_ENTITY, find_thread
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.communications.threads import Thread, ThreadId
from prm.domain.shared.errors import PatientNotFound
from prm.domain.shared.ids import PatientId

log = structlog.get_logger(__name__)


class LinkThread:
    """Staff say who an unknown sender is: the unmatched thread and its messages become the
    patient's. When the patient already has a thread on the channel, the unmatched one is merged
    into it (messages, unread count) and removed; the answer is the patient's thread either way.

    Raises ``ThreadNotFound`` (404), ``PatientNotFound`` (404 naming ``patient_id``) and
    ``ThreadAlreadyLinked`` (409). Records an ``update`` audit event."""

    def __init__(
        self,
        threads: ThreadRepository,
        messages: InboxMessages,
        contacts: PatientContacts,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
    ) -> None:
        self._threads = threads
        self._messages = messages
        self._contacts = contacts
        self._audit = audit
        self._uow = uow
        self._clock = clock

    async def __call__(self, thread_id: ThreadId, patient_id: PatientId) -> Thread:
        thread = await find_thread(self._threads, thread_id)
        now = self._clock.now()
        if await self._contacts.get(patient_id) is None:
            raise PatientNotFound(f"patient {patient_id} not found")
        version = thread.version
        thread.link(patient_id, now)
        existing = await self._threads.of_patient(patient_id, thread.channel)
        if existing is None:
            await self._threads.save(thread, expected_version=version)
            await self._messages.move(thread.id, thread.id, patient_id)
            target = thread
        else:
            existing_version = existing.version
            await self._messages.move(thread.id, existing.id, patient_id)
            existing.absorb(thread, now)
            await self._threads.remove(thread.id)
            await self._threads.save(existing, expected_version=existing_version)
            target = existing
        await self._audit.record(AuditAction.UPDATE, THREAD_ENTITY, [target.id], ["patient_id"])
        await self._uow.commit()
        log.info("thread.linked", thread_id=str(thread.id), into=str(target.id))
        return target
