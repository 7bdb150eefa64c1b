"""HTTP benchmark: ``prm serve`` (production settings) on a seeded PostgreSQL database, driven over
loopback by wrk with 16 connections.

For every scenario wrk runs a warm-up (discarded), then the measured run; around the measured
run we sample the CPU time of the server (all its processes), of PostgreSQL's processes, of wrk
and of the whole machine. CPU time per request is the figure that holds on a shared machine;
``/health``, measured in the same run, is its unit. Then a second server with two workers runs
``/health`` and get-by-id, and a third, without the access log, runs ``/health``.
"""

import asyncio
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg

from benchmarks.clinic import booked, make_clinic, slot_file, weekdays
from benchmarks.cpu import CpuSample, CpuSpent, memory_mb
from benchmarks.data import patient_records, search_prefixes
from benchmarks.databases import backend_pids, libpq
from prm.application.identity.create_tenant import CreateTenant, CreateTenantCommand
from prm.application.identity.create_user import CreateUser, CreateUserCommand
from prm.application.patients.import_patients import ImportPatients
from prm.domain.shared.ids import PatientId, TenantId
from prm.entrypoints.library import Prm
from prm.settings import Settings

HOST = "127.0.0.1"  # the load only ever targets loopback
WRK_DIR = Path(__file__).with_name("wrk")
CONNECTIONS = 16
THREADS = 2
P99_TARGET_MS = 25.0
MEMORY_TARGET_MB = 200.0


@dataclass(frozen=True)
class Scenario:
    """One wrk script. ``target_x`` and ``today_x``: the issue's target for the server's CPU per
    request as a multiple of ``/health``'s, and the figure it quoted when it was opened."""

    name: str
    label: str
    script: str
    target_rps: float | None
    target_x: float | None = None
    today_x: float | None = None


SCENARIOS = (
    Scenario("health", "GET /health (the unit)", "health.lua", None),
    Scenario("get_by_id", "GET /patients/{id}", "get_by_id.lua", 2000, 2.5, 6.9),
    Scenario("list", "GET /patients?page=N&page_size=20", "list.lua", 1000, 4.0, 15.5),
    Scenario("search", "GET /patients/search?type=name", "search.lua", 1000, 4.0),
    Scenario("create", "POST /patients", "create.lua", 1000, 3.5, 9.4),
    Scenario("booking", "POST /appointments (free slots)", "book.lua", 700, 5.0, 15.7),
)
"""In this order: ``create`` and ``booking`` add rows, so they run last."""


@dataclass
class WrkResult:
    scenario: str
    label: str
    requests: int = 0
    seconds: float = 0.0
    rps: float = 0.0
    p50_ms: float | None = None
    p75_ms: float | None = None
    p90_ms: float | None = None
    p99_ms: float | None = None
    non_2xx: int = 0
    socket_errors: dict[str, int] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)  # from scripts that count them (book.lua)
    target_rps: float | None = None
    target_x: float | None = None
    today_x: float | None = None
    rps_met: bool | None = None
    p99_met: bool | None = None
    cpu_met: bool | None = None
    met: bool | None = None
    server_cpu_pct: float = 0.0
    server_sys_pct: float = 0.0
    server_processes: int = 1
    postgres_cpu_pct: float = 0.0
    wrk_cpu_pct: float = 0.0
    machine_busy_pct: float = 0.0
    other_cpu_pct: float = 0.0
    server_us_per_request: float | None = None
    postgres_us_per_request: float | None = None
    wrk_us_per_request: float | None = None
    server_x_health: float | None = None  # server CPU per request / /health's server CPU per request
    postgres_x_health: float | None = None  # PostgreSQL CPU per request / /health's server CPU per request
    rows_written: int | None = None
    server_rss_mb_after: float | None = None
    pg_sessions_opened: int = 0
    raw: str = ""

    @property
    def errors(self) -> int:
        return self.non_2xx + sum(self.socket_errors.values())


@dataclass
class WorkersComparison:
    """get-by-id on two workers against one, measured and estimated from CPU per request."""

    workers: int
    supported: bool = True
    health: WrkResult | None = None
    get_by_id: WrkResult | None = None
    measured_ratio: float | None = None
    one_worker_ceiling_rps: float | None = None  # 1e6 / server us per request
    own_cores_ratio: float | None = None  # N workers on cores of their own, PostgreSQL on others
    this_box_ceiling_rps: float | None = None  # every CPU of this machine, server + PostgreSQL + wrk
    this_box_ratio: float | None = None


@dataclass
class HttpReport:
    patients: int
    seed_seconds: float
    seed_rate: float
    duration_s: int
    warmup_s: int
    connections: int = CONNECTIONS
    threads: int = THREADS
    results: list[WrkResult] = field(default_factory=list)
    workers: WorkersComparison | None = None
    health_without_access_log: WrkResult | None = None
    server_rss_mb_idle: float | None = None
    server_rss_mb_end: float | None = None
    server_peak_rss_mb: float | None = None
    memory_met: bool | None = None
    server_log: str = ""
    server_log_lines: int = 0
    server_env: dict[str, str] = field(default_factory=dict)

    def result(self, name: str) -> WrkResult | None:
        return next((r for r in self.results if r.scenario == name), None)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for result in data["results"]:
            result.pop("raw", None)
        for extra in (data.get("health_without_access_log"), *(data.get("workers") or {}).values()):
            if isinstance(extra, dict):
                extra.pop("raw", None)
        return data


# --- wrk -----------------------------------------------------------------------------------------

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_LATENCY = re.compile(r"^\s*(50|75|90|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_TOTAL = re.compile(r"(\d+) requests in ([\d.]+)(us|ms|s|m)")
_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_STATUS = re.compile(r"^STATUS (\d+) (\d+)$", re.MULTILINE)


def parse_wrk(output: str, result: WrkResult) -> WrkResult:
    """Fill ``result`` from wrk's ``--latency`` report (requests/s, percentiles, errors)."""
    rps = _RPS.search(output)
    if rps is None:
        raise RuntimeError(f"cannot read wrk's output:\n{output}")
    result.rps = float(rps.group(1))
    total = _TOTAL.search(output)
    if total:
        result.requests = int(total.group(1))
        result.seconds = float(total.group(2)) * _UNITS_MS[total.group(3)] / 1000
    for percent, value, unit in _LATENCY.findall(output):
        setattr(result, f"p{percent}_ms", round(float(value) * _UNITS_MS[unit], 3))
    non_2xx = _NON_2XX.search(output)
    result.non_2xx = int(non_2xx.group(1)) if non_2xx else 0
    socket_errors = _SOCKET.search(output)
    if socket_errors:
        result.socket_errors = dict(
            zip(("connect", "read", "write", "timeout"), map(int, socket_errors.groups()), strict=True)
        )
    result.statuses = {int(s): int(n) for s, n in _STATUS.findall(output)}
    result.raw = output
    return result


def ensure_wrk() -> str:
    """The path of wrk, installing the Debian package when it is missing (needs root)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise RuntimeError("wrk is not installed: `sudo apt-get install -y wrk`")
    print("wrk is not installed: apt-get install -y wrk", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", "wrk"]
    if subprocess.run(install, env=env, check=False, timeout=300).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, check=False, timeout=300)
        subprocess.run(install, env=env, check=True, timeout=300)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is still not on PATH after apt-get install")
    return found


def wrk_version(wrk: str) -> str:
    out = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False, timeout=10)
    text = (out.stdout or out.stderr).strip()
    return text.splitlines()[0].split("Copyright")[0].strip() if text else "?"


def run_wrk(wrk: str, port: int, script: str, args: list[str], seconds: int, token: str | None = None) -> str:
    """Run wrk against ``port``; ``token`` is sent as ``Authorization: Bearer`` on every request."""
    command = [
        wrk,
        *(["-H", f"Authorization: Bearer {token}"] if token else []),
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "5s",
        "-s",
        str(WRK_DIR / script),
        f"http://{HOST}:{port}",
        "--",
        *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=seconds + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return done.stdout


# --- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def prm_executable() -> str:
    local = Path(sys.executable).with_name("prm")
    if local.exists():
        return str(local)
    found = shutil.which("prm")
    if not found:
        raise RuntimeError("the `prm` command is not installed (make install)")
    return found


def serve_has_workers() -> bool:
    """Whether this PRM's ``prm serve`` takes ``--workers``."""
    done = subprocess.run(
        [prm_executable(), "serve", "--help"], capture_output=True, text=True, check=False, timeout=60
    )
    return "--workers" in done.stdout


def _get(url: str, timeout: float) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback URL we built
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, urllib.error.URLError):
        return 0


@contextmanager
def running_server(
    database_url: str,
    log_path: Path,
    *,
    extra_env: dict[str, str] | None = None,
    workers: int = 1,
    ready_timeout: float = 60.0,
) -> Iterator[tuple[int, int]]:
    """``prm serve`` in production configuration (JSON logs, access log on, level info) on a free
    loopback port; yields ``(pid, port)`` once ``/ready`` answers 200; stops it on the way out.
    ``extra_env`` (``PRM_*`` only) overrides settings, to try a change without touching the code.
    ``workers`` > 1 starts ``prm serve --workers N``: ``pid`` is then the supervisor's."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRM_")}
    env.update(
        {
            "PRM_DATABASE_URL": database_url,
            "PRM_HOST": HOST,
            "PRM_PORT": str(port),
            "PRM_ENV": "production",
            "PRM_LOG_LEVEL": "info",
            "PRM_ACCESS_LOG": "true",
            "PRM_JWT_KEYS": BENCH_JWT_KEYS,
            "PRM_WORKER": "off",  # production runs `prm worker` apart; the HTTP figures are the server's alone
        }
    )
    env.update({k: v for k, v in (extra_env or {}).items() if k.startswith("PRM_")})
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [prm_executable(), "serve", *(["--workers", str(workers)] if workers > 1 else [])]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    try:
        deadline = time.monotonic() + ready_timeout
        while _get(f"http://{HOST}:{port}/ready", 1.0) != 200:
            if process.poll() is not None:
                raise RuntimeError(f"prm serve exited with {process.returncode}; see {log_path}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"prm serve was not ready within {ready_timeout:.0f}s; see {log_path}")
            time.sleep(0.2)
        yield process.pid, port
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the session we started: the server and its workers
                process.wait(timeout=10)


# --- seeding -------------------------------------------------------------------------------------


BENCH_EMAIL = "bench-admin@example.org"
BENCH_PASSWORD = secrets.token_urlsafe(18)
BENCH_JWT_KEYS = f"bench:{secrets.token_urlsafe(32)}"


async def seed(database_url: str, count: int, batch_size: int = 1000) -> float:
    """Create the benchmark tenant and its admin, then load ``count`` patients through the
    library's ``ImportPatients``; returns the seconds the patients took."""
    settings = Settings.from_mapping({"database_url": database_url, "log_level": "warning"})
    async with Prm.open(settings) as prm:
        await prm.run(
            CreateTenant,
            CreateTenantCommand(
                name="Benchmark clinic", slug="bench", phone_region="US", tenant_id=TenantId(settings.default_tenant_id)
            ),
        )
        await prm.run(
            CreateUser,
            CreateUserCommand(
                email=BENCH_EMAIL, full_name="Benchmark Admin", password=BENCH_PASSWORD, roles=("admin",)
            ),
        )
    records = patient_records(count)
    started = time.perf_counter()
    async with Prm.open(settings) as prm:
        for _ in range(count // batch_size + 1):
            batch = list(islice(records, batch_size))
            if not batch:
                break
            outcome = await prm.run(ImportPatients, batch)
            if outcome.rejected:
                raise RuntimeError(f"seeding rejected rows: {[str(r) for r in outcome.rejected[:5]]}")
    elapsed = time.perf_counter() - started
    with psycopg.connect(libpq(database_url), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")  # the steady state autovacuum reaches soon after a bulk load
    return elapsed


def patient_ids(database_url: str) -> list[str]:
    with psycopg.connect(libpq(database_url)) as connection:
        return [str(row[0]) for row in connection.execute("SELECT id FROM patients ORDER BY id")]


# --- measuring -----------------------------------------------------------------------------------


def pg_sessions(database_url: str) -> tuple[int, set[int]]:
    """Sessions ever opened on the database (``pg_stat_database.sessions``, flushed within ~1 s),
    and the processes serving it now."""
    with psycopg.connect(libpq(database_url), autocommit=True, connect_timeout=5) as connection:
        row = connection.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()").fetchone()
        return (int(row[0]) if row and row[0] is not None else 0), backend_pids(connection)


def log_in(port: int) -> str:
    """The benchmark admin's access token (15 minutes: longer than the whole HTTP run)."""
    request = urllib.request.Request(
        f"http://{HOST}:{port}/api/v1/prm/auth/login",
        data=json.dumps({"email": BENCH_EMAIL, "password": BENCH_PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback only
        return str(json.load(response)["access"])


def _per_request(seconds: float, requests: int) -> float | None:
    return round(seconds / requests * 1e6, 1) if requests else None


def measure(
    wrk: str,
    pid: int,
    port: int,
    scenario: Scenario,
    args: list[str],
    seconds: int,
    database_url: str,
    token: str | None = None,
) -> WrkResult:
    """One measured wrk run of ``scenario`` with the CPU spent around it."""
    sessions_before, backends = pg_sessions(database_url)
    before = CpuSample.take(pid)
    output = run_wrk(wrk, port, scenario.script, args, seconds, token)
    after = CpuSample.take(pid)
    _, still = pg_sessions(database_url)
    time.sleep(1.1)  # let the backends flush their session statistics
    sessions = pg_sessions(database_url)[0] - sessions_before - 3  # our own three probes
    result = parse_wrk(
        output,
        WrkResult(
            scenario.name,
            scenario.label,
            target_rps=scenario.target_rps,
            target_x=scenario.target_x,
            today_x=scenario.today_x,
        ),
    )
    result.pg_sessions_opened = max(sessions, 0)
    spent = CpuSpent.between(before, after, backends | still)
    result.server_processes = spent.server_processes
    result.server_cpu_pct = round(100 * spent.server / spent.wall, 1)
    result.server_sys_pct = round(100 * spent.server_sys / spent.wall, 1)
    result.postgres_cpu_pct = round(100 * spent.postgres / spent.wall, 1)
    result.wrk_cpu_pct = round(100 * spent.wrk / spent.wall, 1)
    result.machine_busy_pct = round(100 * spent.machine_busy_share, 1)
    ours = result.server_cpu_pct + result.postgres_cpu_pct + result.wrk_cpu_pct
    result.other_cpu_pct = round(max(0.0, result.machine_busy_pct * (os.cpu_count() or 1) - ours), 1)
    result.server_us_per_request = _per_request(spent.server, result.requests)
    result.postgres_us_per_request = _per_request(spent.postgres, result.requests)
    result.wrk_us_per_request = _per_request(spent.wrk, result.requests)
    result.server_rss_mb_after = memory_mb(pid)[0]
    return result


def judge(results: list[WrkResult]) -> None:
    """Fill the multiples of ``/health``'s server CPU per request and the met/not met columns."""
    health = next((r for r in results if r.scenario == "health"), None)
    unit = health.server_us_per_request if health else None
    for result in results:
        if unit:
            if result.server_us_per_request is not None:
                result.server_x_health = round(result.server_us_per_request / unit, 2)
            if result.postgres_us_per_request is not None:
                result.postgres_x_health = round(result.postgres_us_per_request / unit, 2)
        result.p99_met = result.p99_ms is not None and result.p99_ms <= P99_TARGET_MS
        if result.target_x is not None and result.server_x_health is not None:
            result.cpu_met = result.server_x_health <= result.target_x
        if result.target_rps is not None:
            result.rps_met = result.rps >= result.target_rps
            result.met = result.rps_met and result.p99_met and result.errors == 0 and result.cpu_met is not False


# --- the benchmark -------------------------------------------------------------------------------


def _booking_files(database_url: str, workdir: Path, ids: list[str]) -> tuple[list[str], list[str], list[Any]]:
    """The clinic for the booking scenario and its two slot files (warm-up, measure)."""
    settings = Settings.from_mapping({"database_url": database_url, "log_level": "warning"})
    patients = [PatientId(uuid.UUID(i)) for i in ids[:2000]]
    clinic = asyncio.run(make_clinic(settings, patients))
    with psycopg.connect(libpq(database_url), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    days = weekdays(datetime.now(UTC).date() + timedelta(days=2), 6 + 40)
    warm, measured = workdir / "book-warm.txt", workdir / "book-measure.txt"
    slot_file(warm, clinic, patients, days[:6])  # 6,000 slots
    slot_file(measured, clinic, patients, days[6:])  # 40,000 slots: 50 s at the target
    return [str(warm), str(THREADS)], [str(measured), str(THREADS)], list(clinic.free)


def _workers(
    database_url: str,
    log_path: Path,
    one_worker: WrkResult,
    arguments: tuple[list[str], list[str]],
    *,
    workers: int,
    wrk: str,
    seconds: int,
    warmup: int,
    server_env: dict[str, str],
) -> WorkersComparison:
    comparison = WorkersComparison(workers=workers)
    if not serve_has_workers():
        comparison.supported = False
        print("  prm serve has no --workers: the comparison is skipped", flush=True)
        return comparison
    get_by_id = next(s for s in SCENARIOS if s.name == "get_by_id")
    health = SCENARIOS[0]
    with running_server(database_url, log_path, extra_env=server_env, workers=workers) as (pid, port):
        token = log_in(port)
        found: list[WrkResult] = []
        for scenario, (warm_args, measure_args) in ((health, ([], [])), (get_by_id, arguments)):
            print(f"  {workers} workers, {scenario.label}: warm-up {warmup}s, measure {seconds}s", flush=True)
            if warmup:
                run_wrk(wrk, port, scenario.script, warm_args, warmup, token)
            time.sleep(0.5)
            found.append(measure(wrk, pid, port, scenario, measure_args, seconds, database_url, token))
    judge(found)
    comparison.health, comparison.get_by_id = found
    two = comparison.get_by_id
    print(f"    {two.rps:,.0f} req/s over {two.server_processes} processes, p99 {two.p99_ms} ms", flush=True)
    if one_worker.rps:
        comparison.measured_ratio = round(two.rps / one_worker.rps, 2)
    srv, pg, load = one_worker.server_us_per_request, one_worker.postgres_us_per_request, one_worker.wrk_us_per_request
    if srv and pg is not None and load is not None:
        comparison.one_worker_ceiling_rps = round(1e6 / srv)
        comparison.own_cores_ratio = float(workers)  # each worker its own core: N x, while PostgreSQL keeps up
        box = (os.cpu_count() or 1) * 1e6 / (srv + pg + load)
        comparison.this_box_ceiling_rps = round(box)
        comparison.this_box_ratio = round(min(workers * 1e6 / srv, box) / min(1e6 / srv, box), 2)
    return comparison


def run_http(
    database_url: str,
    workdir: Path,
    log_path: Path,
    *,
    patients: int,
    seconds: int,
    warmup: int,
    wrk: str,
    only: set[str] | None = None,
    server_env: dict[str, str] | None = None,
    workers: int = 2,
) -> HttpReport:
    server_env = dict(server_env or {})
    print(f"seeding {patients:,} patients ...", flush=True)
    seed_seconds = asyncio.run(seed(database_url, patients))
    print(
        f"  seeded in {seed_seconds:.1f}s ({patients / seed_seconds:,.0f} patients/s through the library)", flush=True
    )
    ids = patient_ids(database_url)
    ids_file = workdir / "ids.txt"
    ids_file.write_text("\n".join(ids) + "\n")
    prefixes_file = workdir / "prefixes.txt"
    prefixes_file.write_text("\n".join(quote(p) for p in search_prefixes()) + "\n")
    pages = str(max(1, min(50, patients // 20)))
    run_tag = secrets.token_hex(3)
    arguments: dict[str, tuple[list[str], list[str]]] = {
        "health": ([], []),
        "get_by_id": ([str(ids_file)], [str(ids_file)]),
        "list": ([pages], [pages]),
        "search": ([str(prefixes_file)], [str(prefixes_file)]),
        "create": ([f"W{run_tag}"], [f"M{run_tag}"]),
    }
    wanted = [s for s in SCENARIOS if not only or s.name in only or s.name == "health"]
    free_practitioners: list[Any] = []
    if any(s.name == "booking" for s in wanted):
        print("setting up the clinic: 51 practitioners, a year of bookings ...", flush=True)
        warm, measured, free_practitioners = _booking_files(database_url, workdir, ids)
        arguments["booking"] = (warm, measured)
    report = HttpReport(
        patients=patients,
        seed_seconds=round(seed_seconds, 2),
        seed_rate=round(patients / seed_seconds),
        duration_s=seconds,
        warmup_s=warmup,
        server_log=str(log_path),
        server_env=server_env,
    )
    with running_server(database_url, log_path, extra_env=server_env) as (pid, port):
        report.server_rss_mb_idle = memory_mb(pid)[0]
        print(f"prm serve pid {pid} on {HOST}:{port}, RSS {report.server_rss_mb_idle:.0f} MB", flush=True)
        token = log_in(port)
        for scenario in wanted:
            warm_args, measure_args = arguments[scenario.name]
            print(f"  {scenario.label}: warm-up {warmup}s, measure {seconds}s", flush=True)
            if warmup:
                run_wrk(wrk, port, scenario.script, warm_args, warmup, token)
            time.sleep(0.5)
            before = booked(database_url, free_practitioners) if scenario.name == "booking" else 0
            result = measure(wrk, pid, port, scenario, measure_args, seconds, database_url, token)
            if scenario.name == "booking":
                result.rows_written = booked(database_url, free_practitioners) - before
            print(
                f"    {result.rps:,.0f} req/s, p50 {result.p50_ms} ms, p99 {result.p99_ms} ms, "
                f"non-2xx {result.non_2xx}, server {result.server_us_per_request} us/req, "
                f"PostgreSQL {result.postgres_us_per_request} us/req",
                flush=True,
            )
            report.results.append(result)
        report.server_rss_mb_end, report.server_peak_rss_mb = memory_mb(pid)
    judge(report.results)
    if report.server_peak_rss_mb is not None:
        report.memory_met = report.server_peak_rss_mb <= MEMORY_TARGET_MB
    try:
        report.server_log_lines = sum(1 for _ in log_path.open("rb"))
    except OSError:
        report.server_log_lines = 0

    one = report.result("get_by_id")
    if workers > 1 and one is not None:
        report.workers = _workers(
            database_url,
            log_path.with_name(f"server-{workers}-workers.log"),
            one,
            arguments["get_by_id"],
            workers=workers,
            wrk=wrk,
            seconds=seconds,
            warmup=warmup,
            server_env=server_env,
        )
    if server_env.get("PRM_ACCESS_LOG", "true").lower() not in {"false", "0", "no", "off"}:
        quiet = {**server_env, "PRM_ACCESS_LOG": "false"}
        with running_server(database_url, log_path.with_name("server-no-access-log.log"), extra_env=quiet) as (
            pid,
            port,
        ):
            print(f"  {SCENARIOS[0].label} without the access log: measure {seconds}s", flush=True)
            if warmup:
                run_wrk(wrk, port, SCENARIOS[0].script, [], warmup)
            time.sleep(0.5)
            report.health_without_access_log = measure(wrk, pid, port, SCENARIOS[0], [], seconds, database_url)
    return report
