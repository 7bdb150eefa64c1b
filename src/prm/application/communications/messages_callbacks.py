"""Providers' status callbacks (Twilio ``MessageStatus``, WhatsApp ``statuses[]``), applied to
our messages. The inbox part's WhatsApp webhook route calls :class:`ApplyStatusCallback` for each
``statuses[]`` entry; the Twilio status route here does for its form."""

from collections.abc import Sequence

import structlog

from prm.application.communications.contracts import StatusCallback
from prm.application.communications.messages_ports import MessageRepository
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.communications.messages import Message, MessageId

log = structlog.get_logger(__name__)


class ApplyStatusCallback:
    """Apply verified, parsed callbacks; returns how many moved a message. Each is kept
    (``communication_callbacks``, applied or not); the message is found by our ``message_id``
    when the provider echoed it, else by ``(provider, provider_message_id)``. A callback for no
    message of ours is logged (provider and status only) and ignored. Idempotent and order-free
    (:meth:`Message.apply_callback`). Commits once."""

    def __init__(self, messages: MessageRepository, outbox: Outbox, uow: UnitOfWork, clock: Clock) -> None:
        self._messages = messages
        self._outbox = outbox
        self._uow = uow
        self._clock = clock

    async def __call__(self, callbacks: StatusCallback | Sequence[StatusCallback]) -> int:
        items = [callbacks] if isinstance(callbacks, StatusCallback) else list(callbacks)
        moved = 0
        for callback in items:
            moved += await self._apply(callback)
        await self._uow.commit()
        return moved

    async def _find(self, callback: StatusCallback) -> Message | None:
        message_id = callback.message_id
        if message_id is None:
            found = await self._messages.by_provider_id(callback.provider, callback.provider_message_id)
            if found is None:
                return None
            message_id = found.id
        locked = await self._messages.lock([MessageId(message_id)])
        return locked[0] if locked else None

    async def _apply(self, callback: StatusCallback) -> bool:
        now = self._clock.now()
        message = await self._find(callback)
        applied = False
        if message is None:
            log.info("communication.callback_unmatched", provider=callback.provider, status=callback.status.value)
        else:
            version, known = message.version, message.provider_message_id
            applied = message.apply_callback(
                callback.status,
                callback.occurred_at,
                now,
                provider_message_id=callback.provider_message_id,
                error_code=callback.error_code,
                error_message=callback.error_message,
            )
            if applied or message.provider_message_id != known:
                await self._messages.save(message, expected_version=version)
                await self._outbox.add(message.events)
                message.events.clear()
            log.info(
                "communication.callback_applied" if applied else "communication.callback_ignored",
                communication_id=str(message.id),
                provider=callback.provider,
                status=callback.status.value,
            )
        await self._messages.record_callback(
            message_id=message.id if message else None,
            provider=callback.provider,
            provider_message_id=callback.provider_message_id,
            status=callback.status,
            occurred_at=callback.occurred_at,
            error_code=callback.error_code,
            applied=applied,
            received_at=now,
        )
        return applied
