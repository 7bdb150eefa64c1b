"""Hostile input for every parameter and field of every operation, generated from the OpenAPI document.

Against ``prm serve`` on both databases, authenticated as an admin, each operation gets a valid
request, and then that request with one part replaced at a time: every path and query parameter
and every scalar field of the body receives NUL and other control characters, a 1 MB string (10 kB
in the URL), wrong types, huge and negative integers and the calendar's edges for dates. Each body
also goes out as invalid UTF-8 and nested 10,000 levels deep. The answer must never be a 5xx, and
``/health``, polled all the while on a connection of its own, must keep answering within 100 ms.
Nothing here names a route: a new operation is covered the day it appears in the document.
"""

import asyncio
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote
from uuid import uuid4

import httpx
import pytest

from tests.openapi_cases import Operation, Resolver, body_fields, kind_of, operations, valid_value, with_value
from tests.served import Served, admin_of_new_tenant, served

DOCUMENT = "/api/v1/prm/docs/openapi.json"
HEALTH_BUDGET_MS = 100.0

TEXT_VALUES: list[Any] = ["\x00", "a\x00b", "\x01\x02\x1f", "\x1b[31m", "\x7f", "\u202e\u0000", 12345, [], {}, True]
URL_TEXT_VALUES: list[str] = [
    "\x00",
    "a\x00b",
    "\x01",
    "\x1f",
    "\x7f",
    "%00",
    "x" * 10_000,
    "\ud7ff\ufffe",
    "' OR 1=1 --",
]
INTEGER_VALUES: list[Any] = [2**63, 2**64, -(2**63) - 1, -1, 0, 10**40, "12", 1.5, None]
URL_INTEGER_VALUES: list[str] = [str(2**63), str(2**64), str(-(2**63) - 1), "-1", "0", "1e309", "NaN", "abc"]
DATE_VALUES: list[str] = ["0001-01-01", "9999-12-31", "0000-00-00", "2026-02-30", "1-1-1", "99999-01-01"]
TIME_VALUES: list[str] = [
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00-12:00",
    "9999-12-31T23:59:59.999999-12:00",
    "2026-13-01T00:00:00Z",
    "1700000000",
]


@dataclass
class Tally:
    sent: int = 0
    server_errors: list[str] = field(default_factory=list)
    health_ms: list[float] = field(default_factory=list)
    slowest: list[tuple[float, str, str]] = field(default_factory=list)


def _url_values(kind: str) -> list[str]:
    if kind == "integer" or kind == "number":
        return URL_INTEGER_VALUES
    if kind == "date":
        return DATE_VALUES + URL_TEXT_VALUES[:3]
    if kind == "date-time":
        return TIME_VALUES + URL_TEXT_VALUES[:3]
    return URL_TEXT_VALUES


def _body_values(kind: str) -> list[Any]:
    if kind in {"integer", "number"}:
        return INTEGER_VALUES
    if kind == "date":
        return [*DATE_VALUES, 20260101, "\x00"]
    if kind == "date-time":
        return [*TIME_VALUES, 1700000000, "\x00"]
    return [*TEXT_VALUES, "x" * 1_000_000]


class Fixtures:
    """Real ids of the test tenant, so that requests reach past "not found" into the handlers."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}

    async def create(self, client: httpx.AsyncClient) -> None:
        def created(response: httpx.Response) -> str:
            assert response.status_code == 201, response.text
            return str(response.json()["id"])

        patient = await client.post("/api/v1/prm/patients", json={"name": {"given": ["Hostile"], "family": "Test"}})
        assert patient.status_code == 201, patient.text
        self.ids["patient_id"] = str(patient.json()["id"])
        self.ids["mrn"] = str(patient.json().get("mrn") or "none")
        self.ids["practitioner_id"] = created(
            await client.post("/api/v1/prm/practitioners", json={"first_name": "Ada", "last_name": "Test"})
        )
        self.ids["location_id"] = created(
            await client.post("/api/v1/prm/locations", json={"name": "Clinic", "time_zone": "Europe/London"})
        )

    def path_value(self, name: str) -> str:
        return self.ids.get(name, str(uuid4()))


def _baseline(op: Operation, resolve: Resolver, ids: Fixtures) -> tuple[dict[str, str], dict[str, Any], Any]:
    path = {p.name: ids.path_value(p.name) for p in op.parameters if p.location == "path"}
    query = {
        p.name: valid_value(p.schema, resolve, p.name) for p in op.parameters if p.location == "query" and p.required
    }
    body = valid_value(op.body, resolve) if op.body is not None else None
    return path, query, body


def _requests(op: Operation, resolve: Resolver, ids: Fixtures) -> Iterator[dict[str, Any]]:
    """Keyword arguments for ``httpx.AsyncClient.request``, one per hostile variant of ``op``."""
    path, query, body = _baseline(op, resolve, ids)

    def url(path_values: dict[str, str]) -> str:
        result = op.path
        for name, value in path_values.items():
            result = result.replace("{" + name + "}", quote(value, safe=""))
        return result

    base = {"method": op.method.upper(), "url": url(path)}
    if body is not None:
        base["json"] = body
    yield {**base, "params": query}
    for parameter in op.parameters:
        for value in _url_values(kind_of(parameter.schema)):
            if parameter.location == "path":
                yield {**base, "url": url({**path, parameter.name: value}), "params": query}
            else:
                yield {**base, "params": {**query, parameter.name: value}}
    if op.body is None:
        return
    for location, kind in body_fields(op.body, resolve):
        for value in _body_values(kind):
            yield {**base, "params": query, "json": with_value(body, location, value)}
    raw = {k: v for k, v in base.items() if k != "json"}
    headers = {"Content-Type": "application/json"}
    yield {**raw, "params": query, "content": b'{"name": "\xff\xfe"}', "headers": headers}
    yield {**raw, "params": query, "content": b"[" * 10_000 + b"]" * 10_000, "headers": headers}
    yield {**raw, "params": query, "content": b'{"a": "\\u0000"}', "headers": headers}


async def _poll_health(served_app: Served, tally: Tally, stop: asyncio.Event) -> None:
    async with httpx.AsyncClient(base_url=served_app.base_url, timeout=5) as client:
        while not stop.is_set():
            started = time.perf_counter()
            response = await client.get("/health")
            tally.health_ms.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
            await asyncio.sleep(0.02)


async def _attack(served_app: Served, token: str) -> Tally:
    tally = Tally()
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=served_app.base_url, headers=headers, timeout=60) as client:
        document = (await client.get(DOCUMENT)).json()
        resolve = Resolver(document)
        ids = Fixtures()
        await ids.create(client)
        stop = asyncio.Event()
        poller = asyncio.create_task(_poll_health(served_app, tally, stop))
        try:
            for op in operations(document):
                if op.path.endswith(("/auth/logout", "/auth/change-password")):
                    continue  # they would end this suite's own session
                for request in _requests(op, resolve, ids):
                    began = time.perf_counter()
                    response = await client.request(**request)
                    tally.slowest.append(((time.perf_counter() - began) * 1000, op.label, repr(request)[:200]))
                    tally.sent += 1
                    if response.status_code >= 500:
                        shown = {k: (v if len(repr(v)) < 300 else f"{repr(v)[:300]}...") for k, v in request.items()}
                        tally.server_errors.append(f"{op.label}: {response.status_code} for {shown}")
        finally:
            stop.set()
            await poller
    return tally


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_no_input_produces_a_server_error_or_stalls_the_server(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = str(request.getfixturevalue("_sqlite_url" if backend == "sqlite" else "_postgres_url"))
    with served(url, tmp_path / "server.log") as served_app:
        _, token = await admin_of_new_tenant(served_app)
        started = time.monotonic()
        tally = await _attack(served_app, token)
        seconds = time.monotonic() - started
        log = served_app.log_text()
    worst = max(tally.health_ms)
    p99 = statistics.quantiles(tally.health_ms, n=100)[98]
    with capsys.disabled():
        print(  # noqa: T201 - the figures the issue asks to quote
            f"\nhostile inputs on {backend}: {tally.sent} requests in {seconds:.0f} s; /health polled "
            f"{len(tally.health_ms)} times, p99 {p99:.1f} ms, worst {worst:.1f} ms"
        )
        for milliseconds, label, shown in sorted(tally.slowest, reverse=True)[:5]:
            print(f"  slowest: {milliseconds:.0f} ms {label} {shown}")  # noqa: T201
    assert not tally.server_errors, "\n".join(tally.server_errors[:40])
    assert '"level":"error"' not in log
    assert p99 <= HEALTH_BUDGET_MS, f"/health p99 {p99:.1f} ms while hostile requests ran"
    assert worst <= 10 * HEALTH_BUDGET_MS, f"/health took {worst:.0f} ms once: something held up the event loop"
