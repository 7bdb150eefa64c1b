"""What one access log line costs: the request-id middleware around an app that answers at once,
with the access log on and off, in the production logging configuration (JSON lines to a file).

The difference per request is the line's cost, from the process's CPU time (and wall time, for
the record). It runs whatever the middleware does today, so the figure compares across changes.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks.cpu import own_cpu_seconds
from prm.settings import Settings

REQUESTS = 20_000
_Message = MutableMapping[str, Any]


@dataclass
class AccessLogReport:
    requests: int
    on_us: float  # CPU per request through the middleware, access log on
    off_us: float  # the same, access log off
    line_us: float  # on - off: one access line
    line_bytes: int
    rounds: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


async def _answer(scope: _Message, receive: Callable[[], Awaitable[_Message]], send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b'{"status":"ok"}'})


async def _drive(middleware: Any, requests: int) -> float:
    async def receive() -> _Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: _Message) -> None:
        return None

    started = own_cpu_seconds()
    for _ in range(requests):
        scope: _Message = {
            "type": "http",
            "method": "GET",
            "path": "/health",
            "path_template": "/health",
            "headers": [(b"host", b"127.0.0.1"), (b"user-agent", b"wrk")],
        }
        await middleware(scope, receive, send)
    return (own_cpu_seconds() - started) / requests * 1e6


def run_access_log(workdir: Path, requests: int = REQUESTS, rounds: int = 5) -> AccessLogReport:
    """The best of ``rounds`` runs of ``requests`` each way (the least disturbed by neighbours)."""
    from prm.entrypoints.http.request_id import RequestIdMiddleware
    from prm.entrypoints.logging import configure_logging

    log_file = workdir / "access-log-bench.log"
    settings = Settings.from_mapping({"env": "production", "log_level": "info", "jwt_keys": "b:" + "x" * 40})
    on, off = [], []
    with log_file.open("w", encoding="utf-8") as stream:
        with contextlib.redirect_stderr(stream):
            configure_logging(settings)
        try:
            with_log = RequestIdMiddleware(_answer, access_log=True)
            without = RequestIdMiddleware(_answer, access_log=False)
            asyncio.run(_drive(with_log, 2000))  # warm-up
            for _ in range(rounds):
                on.append(asyncio.run(_drive(with_log, requests)))
                off.append(asyncio.run(_drive(without, requests)))
        finally:
            configure_logging(Settings.from_mapping({"log_level": "warning"}))
    lines = log_file.read_text(encoding="utf-8").splitlines()
    last = next((line for line in reversed(lines) if "http.request" in line), "")
    report = AccessLogReport(
        requests=requests,
        on_us=round(min(on), 2),
        off_us=round(min(off), 2),
        line_us=round(min(on) - min(off), 2),
        line_bytes=len(last.encode()) + 1,
        rounds=rounds,
    )
    print(
        f"  access log on {report.on_us} us, off {report.off_us} us per request: "
        f"one line = {report.line_us} us ({report.line_bytes} bytes)",
        flush=True,
    )
    print(f"  line: {last}", flush=True)
    return report
