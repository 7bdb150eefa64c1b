"""Staff answer a thread: a message queued on the thread's channel to its address."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from uuid import UUID

import structlog

from prm.application.communications.contracts import MessageRequest, OutgoingMessages
from prm.application.communications.inbox_ports import ThreadRepository
from prm.application.communications.inbox_thread_get import find_thread
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.communications.threads import ThreadId, ThreadWithoutAddress
from prm.domain.shared.errors import RuleViolated

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyToThreadCommand:
    """Either ``message`` or ``template_name`` (with ``template_vars``); ``subject`` for email."""

    thread_id: ThreadId
    message: str | None = None
    template_name: str | None = None
    template_vars: Mapping[str, object] = field(default_factory=dict)
    subject: str | None = None


class ReplyToThread:
    """Queue a reply through ``OutgoingMessages`` with the thread's id, channel and address (the
    one the patient last wrote from) and the patient's consent and quiet hours applied as for any
    message; answers the new message's id. Raises ``ThreadNotFound`` (404), ``RuleViolated``
    naming ``message`` when neither or both of ``message`` and ``template_name`` are given, and
    what queueing raises."""

    def __init__(self, threads: ThreadRepository, outgoing: OutgoingMessages, uow: UnitOfWork, clock: Clock) -> None:
        self._threads = threads
        self._outgoing = outgoing
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: ReplyToThreadCommand) -> UUID:
        if (command.message is None) == (command.template_name is None):
            raise RuleViolated("give either message or template_name", field="message")
        if command.message is not None and not command.message.strip():
            raise RuleViolated("message must not be blank", field="message")
        thread = await find_thread(self._threads, command.thread_id)
        if not thread.address:
            raise ThreadWithoutAddress(f"thread {thread.id} has no address to reply to")
        message_id = await self._outgoing.queue(
            MessageRequest(
                patient_id=thread.patient_id,
                channel=thread.channel,
                recipient=thread.address,
                subject=command.subject,
                body=command.message,
                template_name=command.template_name,
                template_vars=command.template_vars,
                thread_id=thread.id,
            )
        )
        version = thread.version
        thread.sent(self._clock.now())
        await self._threads.save(thread, expected_version=version)
        await self._uow.commit()
        log.info("thread.replied", thread_id=str(thread.id), communication_id=str(message_id))
        return message_id
