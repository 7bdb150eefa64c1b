"""Background work on PostgreSQL: how fast ``prm worker`` drains an outbox backlog, with one worker
process and with two.

A backlog of ``events`` outbox rows (``patient.updated``, over ``events / 4`` patients, one tenant)
is committed at once while the workers are already up and idle; the clock runs from that commit
until no event is left unpublished. The handlers are the ones PRM registers (every event goes to
each of them, in a unit of work of its own), so the figure is what a deployment gets. Reported:
events a second, and the workers' CPU per event (from ``/proc``, all worker processes together).
"""

import io
import os
import signal
import subprocess
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from benchmarks.cpu import CLOCK_TICKS, processes, tree
from benchmarks.databases import libpq, postgres_database
from benchmarks.http_bench import prm_executable

TENANT = "00000000-0000-0000-0000-000000000001"


@dataclass
class DrainResult:
    workers: int
    events: int
    seconds: float
    events_per_second: float
    worker_cpu_us_per_event: float


@dataclass
class WorkerReport:
    drains: list[DrainResult] = field(default_factory=list)

    @property
    def speedup(self) -> float | None:
        one = next((d for d in self.drains if d.workers == 1), None)
        two = next((d for d in self.drains if d.workers == 2), None)
        return round(two.events_per_second / one.events_per_second, 2) if one and two else None

    def as_dict(self) -> dict[str, Any]:
        return {"drains": [asdict(d) for d in self.drains], "two_workers_speedup": self.speedup}


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
def _workers(database_url: str, count: int, log_dir: Path) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRM_")}
    env.update({"PRM_DATABASE_URL": database_url, "PRM_ENV": "production", "PRM_LOG_LEVEL": "info"})
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
        cpu_before = _cpu_seconds(pids)
        _backlog(url, events)
        began = time.perf_counter()
        while _pending(url) > 0:
            time.sleep(0.05)
        seconds = time.perf_counter() - began
        cpu = _cpu_seconds(pids) - cpu_before
    return DrainResult(
        workers=workers,
        events=events,
        seconds=round(seconds, 2),
        events_per_second=round(events / seconds),
        worker_cpu_us_per_event=round(cpu / events * 1e6),
    )


def run_worker_bench(workdir: Path, *, quick: bool) -> WorkerReport:
    events = 2_000 if quick else 20_000
    report = WorkerReport()
    for workers in (1, 2):
        print(f"draining a backlog of {events:,} events with {workers} worker process(es) ...", flush=True)
        result = drain(workers, events, workdir / "worker-logs")
        print(
            f"  {result.events_per_second:,} events/s ({result.seconds} s), "
            f"{result.worker_cpu_us_per_event} µs of worker CPU per event",
            flush=True,
        )
        report.drains.append(result)
    if report.speedup:
        print(f"  two workers drain {report.speedup}x as fast as one (target ≥ 1.6x)", flush=True)
    return report
