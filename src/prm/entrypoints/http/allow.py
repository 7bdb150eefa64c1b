"""``OPTIONS`` without CORS: ``204`` with an ``Allow`` header naming every method of the route.

Litestar's own ``OPTIONS`` handler lists the methods its route had when the handler was made,
which misses methods registered later on the same path (``GET /admin/api-keys`` was left out of
``Allow: OPTIONS, POST``). This middleware answers from the application's final route table.
A CORS preflight (an ``Origin`` header) never gets here: Litestar's CORS layer answers it first.
"""

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _methods_by_path(app: Any) -> dict[str, str]:
    table: dict[str, set[str]] = {}
    for route in app.routes:
        methods = {m for handler in getattr(route, "route_handlers", ()) for m in handler.http_methods}
        table.setdefault(route.path_format, set()).update(methods | {"OPTIONS"})
    return {path: ", ".join(sorted(methods)) for path, methods in table.items()}


def allow_middleware(app: ASGIApp) -> ASGIApp:
    """A Litestar middleware (it runs after routing, so ``path_template`` is known)."""
    table: dict[str, str] | None = None

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal table
        if scope["type"] != "http" or scope["method"] != "OPTIONS":
            await app(scope, receive, send)
            return
        if table is None:
            table = _methods_by_path(scope["litestar_app"])
        allow = table.get(scope.get("path_template", ""))
        if allow is None:
            await app(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 204, "headers": [(b"allow", allow.encode())]})
        await send({"type": "http.response.body", "body": b""})

    return middleware
