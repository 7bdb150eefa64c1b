"""Changing messages by hand: ``PATCH /communications/{id}``, ``PATCH /{id}/read`` and ``DELETE``."""

from dataclasses import dataclass

import structlog

from prm.application.communications.messages_ports import MessageRepository
from prm.application.communications.messages_queue import ENTITY
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.communications.channels import MessageStatus
from prm.domain.communications.errors import MessageNotFound
from prm.domain.communications.messages import Message, MessageId
from prm.domain.shared.errors import StaleVersion

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateCommunicationCommand:
    """``status`` to move to (with ``error_message`` for ``failed``); ``expected_version`` from
    ``If-Match`` makes it conditional."""

    message_id: MessageId
    status: MessageStatus
    error_message: str | None = None
    expected_version: int | None = None


class UpdateCommunication:
    """Move a message along :data:`~prm.domain.communications.messages.MANUAL_TRANSITIONS`,
    setting the status's timestamp; the same status again changes nothing. Raises
    ``MessageNotFound`` (404), ``TransitionNotAllowed`` (409), ``StaleVersion`` (409) and
    ``InvalidMessage`` (422 naming ``error_message``). An ``update`` audit event naming the
    fields changed; commits."""

    def __init__(
        self, messages: MessageRepository, outbox: Outbox, audit: AuditTrail, uow: UnitOfWork, clock: Clock
    ) -> None:
        self._messages = messages
        self._outbox = outbox
        self._audit = audit
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: UpdateCommunicationCommand) -> Message:
        found = await self._messages.lock([command.message_id])
        if not found:
            raise MessageNotFound(f"communication {command.message_id} not found")
        message = found[0]
        if command.expected_version is not None and command.expected_version != message.version:
            raise StaleVersion(f"communication {message.id} was changed by someone else")
        version = message.version
        if message.change_status(command.status, self._clock.now(), error_message=command.error_message):
            await self._messages.save(message, expected_version=version)
            await self._outbox.add(message.events)
            message.events.clear()
            changed = ["status", *(["error_message"] if command.error_message else [])]
            await self._audit.record(AuditAction.UPDATE, ENTITY, [message.id], changed)
            await self._uow.commit()
            log.info("communication.updated", communication_id=str(message.id), status=message.status.value)
        return message


class MarkCommunicationRead:
    """``PATCH /{id}/read``: :class:`UpdateCommunication` to ``read``."""

    def __init__(self, update: UpdateCommunication) -> None:
        self._update = update

    async def __call__(self, message_id: MessageId) -> Message:
        return await self._update(UpdateCommunicationCommand(message_id=message_id, status=MessageStatus.READ))


class DeleteCommunication:
    """Delete a message for good with its attempts (the reference API's hard delete); a
    ``delete`` audit event; commits. Raises ``MessageNotFound`` (404)."""

    def __init__(self, messages: MessageRepository, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._messages = messages
        self._audit = audit
        self._uow = uow

    async def __call__(self, message_id: MessageId) -> None:
        if await self._messages.get(message_id) is None:
            raise MessageNotFound(f"communication {message_id} not found")
        await self._messages.remove(message_id)
        await self._audit.record(AuditAction.DELETE, ENTITY, [message_id])
        await self._uow.commit()
        log.info("communication.deleted", communication_id=str(message_id))
