"""Published events to NATS JetStream, when ``PRM_NATS_URL`` is set.

Subject ``prm.<tenant id>.<event type>`` (``prm.0000….0001.appointment.booked``) on the stream
``PRM`` (subjects ``prm.>``, created if missing); the message is the event as JSON (``id``,
``type``, ``version``, ``tenant_id``, ``aggregate_id``, ``occurred_at``, ``payload``) with the header
``Nats-Msg-Id`` = the event id, so JetStream drops a duplicate the relay sends within the stream's
duplicate window (two minutes by default). ``publish`` waits for JetStream's acknowledgement and
raises when there is none: the relay retries.
"""

from typing import Any

import msgspec
import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from prm.application.shared.events import PublishedEvent

STREAM = "PRM"
SUBJECTS = ["prm.>"]
MAX_AGE_SECONDS = 7 * 24 * 3600
"""How long the stream PRM creates keeps messages (an operator may create it otherwise beforehand)."""


def subject_of(event: PublishedEvent) -> str:
    """``prm.<tenant id>.<event type>``."""
    return f"prm.{event.tenant_id}.{event.type}"


def message_of(event: PublishedEvent) -> bytes:
    """The event as UTF-8 JSON (times RFC 3339 UTC, ids as strings)."""
    body: dict[str, Any] = {
        "id": str(event.id),
        "type": event.type,
        "version": event.version,
        "tenant_id": str(event.tenant_id),
        "aggregate_id": str(event.aggregate_id),
        "occurred_at": event.occurred_at,
        "payload": event.payload,
    }
    return msgspec.json.encode(body)


class NatsPublisher:
    """One connection per worker process, opened on first publish; :meth:`close` drains it."""

    name = "nats"

    def __init__(self, url: str, *, timeout: float = 5.0) -> None:
        self._url = url
        self._timeout = timeout
        self._client: Client | None = None
        self._js: JetStreamContext | None = None

    async def _stream(self) -> JetStreamContext:
        if self._js is None:
            self._client = await nats.connect(self._url, connect_timeout=self._timeout, max_reconnect_attempts=3)
            js = self._client.jetstream(timeout=self._timeout)
            try:
                await js.stream_info(STREAM)
            except NotFoundError:
                await js.add_stream(name=STREAM, subjects=SUBJECTS, max_age=MAX_AGE_SECONDS)
            self._js = js
        return self._js

    async def publish(self, event: PublishedEvent) -> None:
        js = await self._stream()
        await js.publish(subject_of(event), message_of(event), headers={"Nats-Msg-Id": str(event.id)})

    async def close(self) -> None:
        client, self._client, self._js = self._client, None, None
        if client is not None and not client.is_closed:
            await client.drain()
