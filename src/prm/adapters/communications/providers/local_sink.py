"""The local sink: the development default provider, so ``make run`` works offline.

It "delivers" every message at once: the message is kept in memory (the last
:data:`LOCAL_SINK_CAPACITY`, for tests and the demo to inspect; one :class:`LocalSink` per process,
shared by every tenant) and the receipt says ``provider="local"``, ``status=delivered``, id
``local-<message_id>``. Nothing is logged but ids.
"""

import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import structlog

from prm.application.communications.contracts import MessageProvider, OutgoingMessage, ProviderReceipt
from prm.domain.communications.channels import MessageStatus

LOCAL_SINK_CAPACITY = 1000
LOCAL = "local"

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class SunkMessage:
    message: OutgoingMessage
    provider_message_id: str


class LocalSink:
    """The process's record of what the local provider was given (oldest dropped first)."""

    def __init__(self, capacity: int = LOCAL_SINK_CAPACITY) -> None:
        self._messages: deque[SunkMessage] = deque(maxlen=capacity)
        self._lock = threading.Lock()

    def record(self, message: OutgoingMessage) -> SunkMessage:
        sunk = SunkMessage(message, f"local-{message.message_id}")
        with self._lock:
            self._messages.append(sunk)
        return sunk

    def find(self, message_id: UUID) -> SunkMessage | None:
        with self._lock:
            return next((m for m in reversed(self._messages) if m.message.message_id == message_id), None)

    def messages(self, tenant_id: UUID | None = None) -> Sequence[SunkMessage]:
        """What was sunk, oldest first (of one tenant when ``tenant_id`` is given)."""
        with self._lock:
            return [m for m in self._messages if tenant_id is None or m.message.tenant_id == tenant_id]

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()


def _receipt(sunk: SunkMessage) -> ProviderReceipt:
    return ProviderReceipt(provider=LOCAL, provider_message_id=sunk.provider_message_id, status=MessageStatus.DELIVERED)


class LocalSinkProvider(MessageProvider):
    """Any channel, delivered at once into a :class:`LocalSink`."""

    name = LOCAL

    def __init__(self, sink: LocalSink) -> None:
        self._sink = sink

    async def send(self, message: OutgoingMessage) -> ProviderReceipt:
        sunk = self._sink.record(message)
        log.info("communications.local_sink.recorded", message_id=str(message.message_id), channel=message.channel)
        return _receipt(sunk)

    async def lookup(self, message: OutgoingMessage, *, since: datetime) -> ProviderReceipt | None:
        """Answered from the sink's record (which a process restart empties: then ``None``, and a
        resend is harmless since nothing leaves the process)."""
        sunk = self._sink.find(message.message_id)
        return _receipt(sunk) if sunk is not None else None
