"""Request ids and the access log, as a plain ASGI middleware (cheap on the hot path).

The id is taken from ``X-Request-ID`` when it is a sane token (≤ 128 characters of
``[A-Za-z0-9._-]``), generated otherwise, bound into structlog's context for every line of the
request and returned in the response's ``X-Request-ID`` header. The access log line carries the
route *template* (``/api/v1/prm/patients/mrn/{mrn}``), never the raw path or query string, which
may hold personal data. In JSON it is written by :class:`prm.entrypoints.logging.AccessLog`,
without structlog's per-line machinery (the same keys).
"""

import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import structlog

from prm.entrypoints.logging import access_line

log = structlog.get_logger("prm.access")

HEADER = b"x-request-id"
_SAFE = re.compile(rb"^[A-Za-z0-9._\-]{1,128}$")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp, *, access_log: bool = True) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == HEADER), None)
        request_id = given.decode() if given is not None and _SAFE.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers: list[Any] = list(message.get("headers", []))
                headers.append((HEADER, request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if self.access_log:
                duration_ms = round((time.perf_counter() - started) * 1000, 2)
                route = scope.get("path_template", "-")
                write = access_line()
                if write is None:
                    log.info(
                        "http.request", method=scope["method"], route=route, status=status, duration_ms=duration_ms
                    )
                else:
                    write(scope["method"], route, status, duration_ms)
            structlog.contextvars.clear_contextvars()
