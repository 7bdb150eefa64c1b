"""The machinery under the loopback provider servers: a tiny ASGI app served by uvicorn (httptools)
on 127.0.0.1, port 0, in a background thread with its own event loop, fast enough for thousands
of requests a second, plus the faults a test can inject and the signed requests a server can make.

Faults are consumed in order by the requests they apply to (``"send"``: the provider's send
endpoint; ``"lookup"``: its list endpoint; ``"any"``):

- ``fail(n, status=500)``: answer ``status`` with the provider's error document;
- ``throttle(n, retry_after=1)``: 429 with ``Retry-After`` seconds;
- ``delay(n, seconds)``: wait before handling (a client timeout shorter than that times out; the
  request is then still handled, as a slow provider would);
- ``drop(n)``: accept and record the message, then reset the connection without answering: the
  crash window where the provider has the message and the sender never learnt it.
- ``refuse(n)``: reset the connection before doing anything.
"""

import asyncio
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Literal, Self
from urllib.parse import parse_qsl

import httpx
import uvicorn

HOST = "127.0.0.1"

Applies = Literal["send", "lookup", "any"]
FaultKind = Literal["fail", "throttle", "delay", "drop", "refuse"]
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


@dataclass
class Fault:
    kind: FaultKind
    applies_to: Applies = "send"
    status: int = 500
    retry_after: int | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class Request:
    """What a server received, as it arrived."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Answer:
    status: int
    document: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    drop_after: bool = False
    """Reset the connection instead of answering (the work is done)."""


@dataclass(frozen=True)
class SignedRequest:
    """A callback a provider would POST: send it with any httpx client (a Litestar test client
    too, whose host part is ignored), or :meth:`post` it to the real URL."""

    url: str
    headers: dict[str, str]
    content: bytes

    def post(self, client: httpx.Client | None = None) -> httpx.Response:
        if client is not None:
            return client.post(self.url, headers=self.headers, content=self.content)
        with httpx.Client(timeout=10, trust_env=False) as own:
            return own.post(self.url, headers=self.headers, content=self.content)

    async def apost(self, client: httpx.AsyncClient) -> httpx.Response:
        return await client.post(self.url, headers=self.headers, content=self.content)


class LoopbackServer:
    """Base of the fake providers: subclasses implement :meth:`handle` and say which requests
    are sends and lookups (:meth:`kind_of`). Use as a context manager, or :meth:`start`/:meth:`stop`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: deque[Fault] = deque()
        self.requests: list[Request] = []
        self.base_url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # -- faults

    def _add(self, count: int, fault: Fault) -> None:
        with self._lock:
            self._faults.extend(Fault(**vars(fault)) for _ in range(count))

    def fail(self, count: int = 1, status: int = 500, applies_to: Applies = "send") -> None:
        self._add(count, Fault("fail", applies_to, status=status))

    def throttle(self, count: int = 1, retry_after: int | None = 1, applies_to: Applies = "send") -> None:
        self._add(count, Fault("throttle", applies_to, status=429, retry_after=retry_after))

    def delay(self, count: int, seconds: float, applies_to: Applies = "send") -> None:
        self._add(count, Fault("delay", applies_to, seconds=seconds))

    def drop(self, count: int = 1, applies_to: Applies = "send") -> None:
        self._add(count, Fault("drop", applies_to))

    def refuse(self, count: int = 1, applies_to: Applies = "send") -> None:
        self._add(count, Fault("refuse", applies_to))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _next_fault(self, kind: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.applies_to in (kind, "any"):
                    self._faults.remove(fault)
                    return fault
        return None

    # -- to implement

    def kind_of(self, request: Request) -> str:
        return "other"

    def handle(self, request: Request) -> Answer:
        raise NotImplementedError

    def error_document(self, status: int) -> Any:
        return {"status": status}

    # -- ASGI

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = bytearray()
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        request = Request(
            method=scope["method"],
            path=scope["path"],
            query=dict(parse_qsl(scope.get("query_string", b"").decode(), keep_blank_values=True)),
            headers={k.decode().lower(): v.decode() for k, v in scope["headers"]},
            body=bytes(body),
        )
        with self._lock:
            self.requests.append(request)
        fault = self._next_fault(self.kind_of(request))
        if fault is not None and fault.kind == "refuse":
            await _reset(send)
            return
        if fault is not None and fault.kind == "delay":
            await asyncio.sleep(fault.seconds)
        if fault is not None and fault.kind in ("fail", "throttle"):
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            answer = Answer(fault.status, self.error_document(fault.status), headers)
        else:
            answer = self.handle(request)
            if fault is not None and fault.kind == "drop":
                answer = Answer(answer.status, drop_after=True)
        if answer.drop_after:
            await _reset(send)
            return
        payload = b"" if answer.document is None else json.dumps(answer.document).encode()
        raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        raw_headers += [(k.lower().encode(), v.encode()) for k, v in answer.headers.items()]
        await send({"type": "http.response.start", "status": answer.status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": payload})

    # -- lifecycle

    def start(self) -> Self:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            self,
            lifespan="off",
            access_log=False,
            log_level="critical",
            http="httptools",
            timeout_graceful_shutdown=1,
            timeout_keep_alive=30,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the loopback server did not start")
            time.sleep(0.01)
        self.base_url = f"http://{HOST}:{port}"
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


async def _reset(send: Send) -> None:
    """Reset the connection without an answer (uvicorn's cycle holds the transport; once the loss
    is noticed uvicorn does not try its own 500)."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise RuntimeError("cannot reach the connection to drop it")
    transport.abort()
    for _ in range(100):
        if getattr(cycle, "disconnected", True):
            return
        await asyncio.sleep(0)


@dataclass
class Counter:
    """Thread-safe sequence numbers for provider ids."""

    value: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next(self) -> int:
        with self.lock:
            self.value += 1
            return self.value


def iter_locked(lock: threading.Lock, items: list[Any]) -> Iterator[Any]:
    with lock:
        snapshot = list(items)
    yield from snapshot
