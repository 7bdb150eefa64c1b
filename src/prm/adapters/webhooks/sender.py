"""The signed POST of a webhook, with httpx (Standard Webhooks, symmetric ``v1`` signatures).

- Body: the message's JSON document, compact UTF-8, ``Content-Type: application/json``.
- Headers: ``webhook-id`` (the message id, the same on every attempt), ``webhook-timestamp``
  (Unix seconds of the attempt) and ``webhook-signature`` (``v1,<base64 HMAC-SHA256 of
  "id.timestamp.body">``, one per secret, space-separated), made by ``standardwebhooks``.
- One ``httpx.AsyncClient`` per process (APP scope): redirects are not followed (a 3xx is a
  failure), proxies from the environment are not used, each phase (connect, write, read) may
  take :data:`PHASE_SECONDS` and the whole attempt :data:`TOTAL_SECONDS`.
- The destination is checked before every attempt (:mod:`prm.adapters.webhooks.destinations`)
  and, when private addresses are refused, the connection goes to the address that was checked
  (``Host`` and TLS server name stay the URL's host, so certificates are verified as usual).
- Only the first :data:`~prm.domain.webhooks.delivery.MAX_EXCERPT_LENGTH` characters of an
  answer are read and kept.
"""

import asyncio
import json
import time
from typing import Any

import httpx
from standardwebhooks import Webhook

from prm.adapters.webhooks.destinations import NetworkDestinationPolicy
from prm.application.webhooks.ports import OutgoingMessage, WebhookSender
from prm.domain.webhooks.delivery import MAX_EXCERPT_LENGTH, AttemptOutcome
from prm.domain.webhooks.errors import UnsafeDestination

PHASE_SECONDS = 5.0
TOTAL_SECONDS = 10.0
USER_AGENT = "PRM-Webhooks/1"


def signature_header(message_id: str, timestamp: Any, body: str, secrets: tuple[str, ...]) -> str:
    return " ".join(Webhook(secret).sign(message_id, timestamp, body) for secret in secrets)


def _milliseconds(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


async def _excerpt(response: httpx.Response) -> str | None:
    received = b""
    async for chunk in response.aiter_bytes():
        received += chunk
        if len(received) >= MAX_EXCERPT_LENGTH * 4:  # enough bytes for the characters kept
            break
    return received.decode("utf-8", errors="replace")[:MAX_EXCERPT_LENGTH] or None


class HttpxWebhookSender(WebhookSender):
    """Sends with one pooled client; :meth:`close` it when the process stops."""

    def __init__(self, policy: NetworkDestinationPolicy, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._policy = policy
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(PHASE_SECONDS),
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": USER_AGENT},
            transport=transport,
        )

    async def close(self) -> None:
        await self._client.aclose()

    async def send(self, message: OutgoingMessage) -> AttemptOutcome:
        started = time.perf_counter()
        try:
            destination = await self._policy.destination(message.url)
        except UnsafeDestination as exc:
            return AttemptOutcome(status_code=None, duration_ms=_milliseconds(started), error=f"not sent: {exc.detail}")
        body = json.dumps(message.body, separators=(",", ":"), ensure_ascii=False)
        headers = {
            "Content-Type": "application/json",
            "webhook-id": message.message_id,
            "webhook-timestamp": str(int(message.timestamp.timestamp())),
            "webhook-signature": signature_header(message.message_id, message.timestamp, body, message.secrets),
        }
        url = httpx.URL(message.url)
        extensions: dict[str, Any] = {}
        if destination.address is not None:
            headers["Host"] = url.netloc.decode("ascii")
            url = url.copy_with(host=str(destination.address))
            if url.scheme == "https":
                extensions["sni_hostname"] = destination.host
        try:
            async with asyncio.timeout(TOTAL_SECONDS):
                request = self._client.build_request(
                    "POST", url, content=body.encode(), headers=headers, extensions=extensions
                )
                response = await self._client.send(request, stream=True)
                try:
                    excerpt = await _excerpt(response)
                finally:
                    await response.aclose()
        except (TimeoutError, httpx.TimeoutException):
            return AttemptOutcome(status_code=None, duration_ms=_milliseconds(started), error="timed out")
        except httpx.HTTPError as exc:
            return AttemptOutcome(
                status_code=None, duration_ms=_milliseconds(started), error=f"{type(exc).__name__}: {exc}"
            )
        status = response.status_code
        return AttemptOutcome(
            status_code=status,
            duration_ms=_milliseconds(started),
            error=None if 200 <= status < 300 else f"answered HTTP {status}",
            response_excerpt=excerpt,
        )
