"""How the HTTP provider adapters (Twilio, WhatsApp Cloud) turn httpx failures and answers into
:class:`TransientProviderError` and :class:`PermanentProviderError`."""

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpcore
import httpx
from httpx_aiohttp import AiohttpTransport

from prm.application.communications.contracts import TransientProviderError

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
"""Each phase (connect 5 s; write, read, pool 10 s) of a provider call."""
LIMITS = httpx.Limits(max_connections=16, max_keepalive_connections=16, keepalive_expiry=30)
"""At most 16 connections a process (two dispatch jobs of 8 calls at once), all kept alive 30 s."""


def provider_http_client(timeout: httpx.Timeout = TIMEOUT) -> httpx.AsyncClient:
    """The process's pooled client for provider APIs (no proxies from the environment, no
    redirects followed); close it with the container.

    The adapters speak httpx, but the connections are aiohttp's (``httpx-aiohttp``, whose
    transport maps aiohttp's errors to httpx's): httpcore's pool walks every connection it holds,
    polling each socket through anyio, several times a request (encode/httpcore#1035), which was
    half of the worker's CPU per message (dispatch of 3,000 SMS to a loopback Twilio: 1,490 ->
    990 us of worker CPU a message, 420 -> 510 a second, same machine and hour). aiohttp has no
    write timeout: ``TIMEOUT``'s write phase does not apply."""
    transport = AiohttpTransport(limits=LIMITS, trust_env=False)
    return httpx.AsyncClient(transport=transport, timeout=timeout, trust_env=False, follow_redirects=False)


def retry_after(response: httpx.Response, now: datetime | None = None) -> timedelta | None:
    """``Retry-After`` as a delay: seconds, or an HTTP date (RFC 9110 section 10.2.3)."""
    raw = response.headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    if raw.isdigit():
        return timedelta(seconds=int(raw))
    try:
        moment = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(timedelta(0), moment - (now or datetime.now(UTC)))


def transport_error(provider: str, exc: httpx.HTTPError) -> TransientProviderError:
    """A timeout, a refused or dropped connection: the message may or may not have arrived."""
    cause = exc.__cause__ if isinstance(exc.__cause__, Exception) else exc  # the transport's own error
    # aiohttp's timeouts are TimeoutErrors; its transport maps a dropped connection to ConnectTimeout too
    kind = (
        "timeout"
        if isinstance(cause, TimeoutError | httpcore.TimeoutException | httpx.TimeoutException)
        else "connection error"
    )
    return TransientProviderError(f"{provider} {kind} ({type(cause).__name__})")
