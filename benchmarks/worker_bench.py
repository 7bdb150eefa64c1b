"""Background work on PostgreSQL: how fast ``prm worker`` drains an outbox backlog (one worker
process and two), how long a webhook takes from commit to a receiver on loopback, and how many
integration events a second ``POST /integrations/events/bulk`` accepts.

A backlog of ``events`` outbox rows (``patient.updated``, over ``events / 4`` patients, one tenant)
is committed at once while the workers are already up and idle; the clock runs from that commit
until no event is left unpublished. The handlers are the ones PRM registers (every event goes to
each of them, in a unit of work of its own), so the figure is what a deployment gets. Reported:
events a second, and the workers' CPU per event (from ``/proc``, all worker processes together).
"""

import asyncio
import io
import json
import os
import signal
import subprocess
import threading
import time
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg

from benchmarks.cpu import CLOCK_TICKS, postgres_ticks, processes, ticks_between, tree
from benchmarks.databases import libpq, postgres_database
from benchmarks.http_bench import log_in, prm_executable, running_server, seed
from benchmarks.stats import percentile

TENANT = "00000000-0000-0000-0000-000000000001"


@dataclass
class DrainResult:
    workers: int
    events: int
    seconds: float
    events_per_second: float
    worker_cpu_us_per_event: float
    postgres_cpu_us_per_event: float


@dataclass
class LatencyResult:
    deliveries: int
    p50_ms: float
    p95_ms: float
    max_ms: float


@dataclass
class BulkResult:
    requests: int
    events: int
    seconds: float
    events_per_second: float


@dataclass
class WorkerReport:
    drains: list[DrainResult] = field(default_factory=list)
    webhook_latency: LatencyResult | None = None
    bulk: BulkResult | None = None

    @property
    def speedup(self) -> float | None:
        one = next((d for d in self.drains if d.workers == 1), None)
        two = next((d for d in self.drains if d.workers == 2), None)
        return round(two.events_per_second / one.events_per_second, 2) if one and two else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "drains": [asdict(d) for d in self.drains],
            "two_workers_speedup": self.speedup,
            "webhook_latency": asdict(self.webhook_latency) if self.webhook_latency else None,
            "bulk_integration_events": asdict(self.bulk) if self.bulk else None,
        }


def _backlog(database_url: str, events: int) -> None:
    aggregates = [uuid.uuid4() for _ in range(max(events // 4, 1))]
    now = datetime.now(UTC).isoformat()
    buffer = io.StringIO()
    for i in range(events):
        aggregate = aggregates[i % len(aggregates)]
        event_id = uuid.UUID(int=(uuid.uuid1().int & ~(0xF << 76)) | (7 << 76))  # time-ordered ids
        payload = f'{{"patient_id": "{aggregate}", "changed_fields": ["gender"]}}'
        buffer.write(
            f"{TENANT}\t{event_id}\tpatient.updated\t1\t{aggregate}\t{aggregate.int % 16}\t{payload}\t{now}\t\\N\n"
        )
    with psycopg.connect(libpq(database_url), autocommit=False) as connection:
        with (
            connection.cursor() as cursor,
            cursor.copy(
                "COPY outbox (tenant_id, id, event_type, event_version, aggregate_id, partition, payload, occurred_at, "
                "published_at) FROM STDIN"
            ) as copy,
        ):
            copy.write(buffer.getvalue())
        connection.commit()
        connection.execute("ANALYZE outbox")
        connection.commit()


def _pending(database_url: str) -> int:
    with psycopg.connect(libpq(database_url), autocommit=True) as connection:
        row = connection.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()
        return int(row[0]) if row else 0


@contextmanager
def _workers(database_url: str, count: int, log_dir: Path, extra_env: dict[str, str] | None = None) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRM_")}
    env.update({"PRM_DATABASE_URL": database_url, "PRM_ENV": "production", "PRM_LOG_LEVEL": "info"})
    env.update(extra_env or {})
    log_dir.mkdir(parents=True, exist_ok=True)
    started: list[subprocess.Popen[bytes]] = []
    try:
        for n in range(count):
            log = (log_dir / f"worker-{count}-{n}.log").open("wb")
            started.append(
                subprocess.Popen(
                    [prm_executable(), "worker"], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            )
        deadline = time.monotonic() + 60
        while not all("worker.started" in (log_dir / f"worker-{count}-{n}.log").read_text() for n in range(count)):
            if time.monotonic() > deadline or any(p.poll() is not None for p in started):
                raise RuntimeError(f"prm worker did not start; see {log_dir}")
            time.sleep(0.2)
        yield started
    finally:
        for process in started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def _cpu_seconds(pids: list[int]) -> float:
    table = processes()
    return sum(p.user + p.system for pid in pids for p in tree(pid, table)) / CLOCK_TICKS


def drain(workers: int, events: int, log_dir: Path) -> DrainResult:
    with postgres_database() as url, _workers(url, workers, log_dir) as started:
        pids = [p.pid for p in started]
        cpu_before, pg_before = _cpu_seconds(pids), postgres_ticks()
        _backlog(url, events)
        began = time.perf_counter()
        while _pending(url) > 0:
            time.sleep(0.05)
        seconds = time.perf_counter() - began
        cpu = _cpu_seconds(pids) - cpu_before
        pg = ticks_between(pg_before, postgres_ticks())
    return DrainResult(
        workers=workers,
        events=events,
        seconds=round(seconds, 2),
        events_per_second=round(events / seconds),
        worker_cpu_us_per_event=round(cpu / events * 1e6),
        postgres_cpu_us_per_event=round(pg / events * 1e6),
    )


class _Arrivals:
    """A webhook receiver on loopback: when each delivery arrived, by the event's aggregate id."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        arrivals = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                arrivals.at.setdefault(json.loads(body)["data"]["aggregate_id"], time.perf_counter())
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _call(port: int, token: str, method: str, path: str, body: Any) -> Any:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/prm{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback only
        return json.load(response)


def _loopback_webhooks(log_dir: Path) -> dict[str, str]:
    """Development mode: production refuses plain-http and loopback webhook destinations."""
    return {"PRM_WORKER": "off", "PRM_ENV": "development", "PRM_STATE_DIR": str(log_dir / "state")}


def latency_and_bulk(deliveries: int, bulk_requests: int, log_dir: Path) -> tuple[LatencyResult, BulkResult]:
    """``prm serve`` (``PRM_WORKER=off``) and one ``prm worker`` on a fresh database: ``deliveries``
    patients registered one at a time, 200 ms apart (an idle service), each timed from its 201 to
    its ``patient.registered`` webhook at a receiver on loopback; then ``bulk_requests`` bulk posts
    of 1,000 integration events each, timed end to end."""
    arrivals = _Arrivals()
    try:
        with postgres_database() as url:
            asyncio.run(seed(url, 0))
            with (
                running_server(url, log_dir / "serve.log", extra_env=_loopback_webhooks(log_dir)) as (_, port),
                _workers(url, 1, log_dir, _loopback_webhooks(log_dir)),
            ):
                token = log_in(port)
                _call(
                    port, token, "POST", "/webhooks/subscriptions", {"url": arrivals.url, "event_types": ["patient.*"]}
                )
                waits: list[float] = []
                for n in range(deliveries):
                    patient = _call(
                        port, token, "POST", "/patients", {"name": {"family": f"Latency{n}"}, "mrn": f"L-{n}"}
                    )
                    committed = time.perf_counter()
                    deadline = committed + 30
                    while patient["id"] not in arrivals.at and time.perf_counter() < deadline:
                        time.sleep(0.002)
                    waits.append((arrivals.at.get(patient["id"], deadline) - committed) * 1000)
                    time.sleep(0.2)
                _call(
                    port,
                    token,
                    "POST",
                    "/integrations/configs",
                    {"name": "Bench HIS", "source_system": "BENCH-HIS", "rate_limit_per_hour": 10_000_000},
                )
                began = time.perf_counter()
                for r in range(bulk_requests):
                    events = [
                        {
                            "source_system": "BENCH-HIS",
                            "event_code": "OPD_VISIT_COMPLETED",
                            "external_id": f"b{r}-{i}",
                            "patient_identifier": f"MRN-{i}",
                            "occurred_at": "2026-12-01T09:30:00+01:00",
                            "payload": {"ward": "3B", "visit": i},
                        }
                        for i in range(1000)
                    ]
                    answer = _call(port, token, "POST", "/integrations/events/bulk", {"events": events})
                    if answer.get("created") != 1000:
                        raise RuntimeError(
                            f"bulk accepted {answer.get('created')} of 1000: {answer.get('errors', [])[:3]}"
                        )
                seconds = time.perf_counter() - began
    finally:
        arrivals.close()
    latency = LatencyResult(len(waits), percentile(waits, 0.5), percentile(waits, 0.95), round(max(waits), 1))
    bulk = BulkResult(bulk_requests, bulk_requests * 1000, round(seconds, 2), round(bulk_requests * 1000 / seconds))
    return latency, bulk


def run_worker_bench(workdir: Path, *, quick: bool) -> WorkerReport:
    events = 2_000 if quick else 20_000
    report = WorkerReport()
    for workers in (1, 2):
        print(f"draining a backlog of {events:,} events with {workers} worker process(es) ...", flush=True)
        result = drain(workers, events, workdir / "worker-logs")
        print(
            f"  {result.events_per_second:,} events/s ({result.seconds} s), "
            f"{result.worker_cpu_us_per_event} µs of worker CPU and {result.postgres_cpu_us_per_event} µs of "
            "PostgreSQL's per event",
            flush=True,
        )
        report.drains.append(result)
    if report.speedup:
        print(f"  two workers drain {report.speedup}x as fast as one (target ≥ 1.6x)", flush=True)
    print("webhook latency (idle) and bulk integration events ...", flush=True)
    report.webhook_latency, report.bulk = latency_and_bulk(
        10 if quick else 50, 3 if quick else 10, workdir / "worker-logs"
    )
    w, b = report.webhook_latency, report.bulk
    print(f"  commit to webhook: p50 {w.p50_ms} ms, p95 {w.p95_ms} ms, max {w.max_ms} ms (target p95 ≤ 1,000 ms)")
    print(f"  bulk integration events: {b.events_per_second:,} accepted a second (target ≥ 5,000)", flush=True)
    return report
