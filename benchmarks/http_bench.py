"""HTTP benchmark: ``prm serve`` (one uvicorn worker, production settings) on a seeded PostgreSQL
database, driven over loopback by wrk with 16 connections.

For every scenario wrk runs a warm-up (discarded), then the measured run; around the measured
run we sample the CPU time of the server, of PostgreSQL's processes, of wrk and of the whole
machine, so a figure below target can be placed: server CPU-bound, database-bound or load-tool-bound.
"""

import asyncio
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg

from benchmarks.data import patient_records, search_prefixes
from benchmarks.databases import libpq
from prm.application.identity.create_tenant import CreateTenant, CreateTenantCommand
from prm.application.identity.create_user import CreateUser, CreateUserCommand
from prm.application.patients.import_patients import ImportPatients
from prm.domain.shared.ids import TenantId
from prm.entrypoints.library import Prm
from prm.settings import Settings

HOST = "127.0.0.1"  # the load only ever targets loopback
WRK_DIR = Path(__file__).with_name("wrk")
CONNECTIONS = 16
THREADS = 2
P99_TARGET_MS = 25.0
MEMORY_TARGET_MB = 200.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Scenario:
    name: str
    label: str
    script: str
    target_rps: float | None


SCENARIOS = (
    Scenario("health", "GET /health (ceiling)", "health.lua", None),
    Scenario("get_by_id", "GET /patients/{id}", "get_by_id.lua", 3000),
    Scenario("list", "GET /patients?page=N&page_size=20", "list.lua", 1500),
    Scenario("search", "GET /patients/search?type=name", "search.lua", 1500),
    Scenario("create", "POST /patients", "create.lua", 1200),
)


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
    target_rps: float | None = None
    ratio_to_health: float | None = None
    rps_met: bool | None = None
    p99_met: bool | None = None
    met: bool | None = None
    server_cpu_pct: float = 0.0
    server_sys_pct: float = 0.0
    postgres_cpu_pct: float = 0.0
    wrk_cpu_pct: float = 0.0
    machine_busy_pct: float = 0.0
    other_cpu_pct: float = 0.0
    server_cpu_us_per_request: float | None = None
    server_rss_mb_after: float | None = None
    pg_sessions_opened: int = 0
    raw: str = ""


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
    server_rss_mb_idle: float | None = None
    server_rss_mb_end: float | None = None
    server_peak_rss_mb: float | None = None
    memory_met: bool | None = None
    server_log: str = ""
    server_log_lines: int = 0
    server_env: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for result in data["results"]:
            result.pop("raw", None)
        return data


# --- wrk -----------------------------------------------------------------------------------------

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_LATENCY = re.compile(r"^\s*(50|75|90|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_TOTAL = re.compile(r"(\d+) requests in ([\d.]+)(us|ms|s|m)")
_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


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


# --- CPU and memory sampling ---------------------------------------------------------------------


def _proc_times(pid: int | str) -> tuple[int, int]:
    """(user, system) CPU ticks of ``pid``; (0, 0) once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0, 0
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[11]), int(fields[12])


def _proc_ticks(pid: int | str) -> int:
    return sum(_proc_times(pid))


def postgres_ticks() -> dict[int, int]:
    """CPU ticks of every PostgreSQL process, by pid (backends come and go: diff them by pid)."""
    ticks: dict[int, int] = {}
    for entry in islice(Path("/proc").iterdir(), 100_000):
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() == "postgres":
                ticks[int(entry.name)] = _proc_ticks(entry.name)
        except OSError:
            continue
    return ticks


def _machine_ticks() -> tuple[int, int]:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values[:8]), idle


@dataclass(frozen=True)
class CpuSample:
    at: float
    server: int
    server_sys: int
    postgres: dict[int, int]
    machine: int
    machine_idle: int
    children: float

    @classmethod
    def take(cls, server_pid: int) -> "CpuSample":
        machine, idle = _machine_ticks()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        user, system = _proc_times(server_pid)
        return cls(
            time.perf_counter(),
            user + system,
            system,
            postgres_ticks(),
            machine,
            idle,
            usage.ru_utime + usage.ru_stime,
        )


def memory_mb(pid: int) -> tuple[float | None, float | None]:
    """(VmRSS, VmHWM) of ``pid`` in MB (MiB), from /proc/<pid>/status."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None, None
    values: dict[str, float] = {}
    for line in status.splitlines():
        key, _, rest = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            values[key] = int(rest.split()[0]) / 1024
    return values.get("VmRSS"), values.get("VmHWM")


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
    database_url: str, log_path: Path, *, extra_env: dict[str, str] | None = None, ready_timeout: float = 60.0
) -> Iterator[tuple[int, int]]:
    """``prm serve`` in production configuration (JSON logs, access log on, level info) on a free
    loopback port; yields ``(pid, port)`` once ``/ready`` answers 200; stops it on the way out.
    ``extra_env`` (``PRM_*`` only) overrides settings, to try a change without touching the code."""
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
        }
    )
    env.update({k: v for k, v in (extra_env or {}).items() if k.startswith("PRM_")})
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [prm_executable(), "serve"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
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
                process.kill()
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


# --- the benchmark -------------------------------------------------------------------------------


def pg_sessions(database_url: str) -> int:
    """Sessions ever opened on the database (``pg_stat_database.sessions``, flushed within ~1 s)."""
    with psycopg.connect(libpq(database_url), autocommit=True, connect_timeout=5) as connection:
        row = connection.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


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


def _measure(
    wrk: str,
    pid: int,
    port: int,
    scenario: Scenario,
    args: list[str],
    seconds: int,
    database_url: str,
    token: str | None = None,
) -> WrkResult:
    sessions_before = pg_sessions(database_url)
    before = CpuSample.take(pid)
    output = run_wrk(wrk, port, scenario.script, args, seconds, token)
    after = CpuSample.take(pid)
    time.sleep(1.1)  # let the backends flush their session statistics
    sessions = pg_sessions(database_url) - sessions_before - 2  # our own two probes
    result = parse_wrk(output, WrkResult(scenario.name, scenario.label, target_rps=scenario.target_rps))
    result.pg_sessions_opened = max(sessions, 0)
    wall = after.at - before.at
    machine = max(after.machine - before.machine, 1)
    result.server_cpu_pct = round(100 * (after.server - before.server) / CLOCK_TICKS / wall, 1)
    result.server_sys_pct = round(100 * (after.server_sys - before.server_sys) / CLOCK_TICKS / wall, 1)
    postgres = sum(t - before.postgres.get(pid, 0) for pid, t in after.postgres.items())
    result.postgres_cpu_pct = round(100 * max(postgres, 0) / CLOCK_TICKS / wall, 1)
    result.wrk_cpu_pct = round(100 * (after.children - before.children) / wall, 1)
    result.machine_busy_pct = round(100 * (1 - (after.machine_idle - before.machine_idle) / machine), 1)
    ours = result.server_cpu_pct + result.postgres_cpu_pct + result.wrk_cpu_pct
    result.other_cpu_pct = round(max(0.0, result.machine_busy_pct * (os.cpu_count() or 1) - ours), 1)
    if result.requests:
        server_seconds = (after.server - before.server) / CLOCK_TICKS
        result.server_cpu_us_per_request = round(server_seconds / result.requests * 1e6, 1)
    result.server_rss_mb_after = memory_mb(pid)[0]
    return result


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
) -> HttpReport:
    print(f"seeding {patients:,} patients ...", flush=True)
    seed_seconds = asyncio.run(seed(database_url, patients))
    print(
        f"  seeded in {seed_seconds:.1f}s ({patients / seed_seconds:,.0f} patients/s through the library)", flush=True
    )
    ids_file = workdir / "ids.txt"
    ids_file.write_text("\n".join(patient_ids(database_url)) + "\n")
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
    report = HttpReport(
        patients=patients,
        seed_seconds=round(seed_seconds, 2),
        seed_rate=round(patients / seed_seconds),
        duration_s=seconds,
        warmup_s=warmup,
        server_log=str(log_path),
        server_env=dict(server_env or {}),
    )
    with running_server(database_url, log_path, extra_env=server_env) as (pid, port):
        report.server_rss_mb_idle = memory_mb(pid)[0]
        print(f"prm serve pid {pid} on {HOST}:{port}, RSS {report.server_rss_mb_idle:.0f} MB", flush=True)
        token = log_in(port)
        for scenario in SCENARIOS:
            if only and scenario.name not in only and scenario.name != "health":
                continue
            warm_args, measure_args = arguments[scenario.name]
            print(f"  {scenario.label}: warm-up {warmup}s, measure {seconds}s", flush=True)
            if warmup:
                run_wrk(wrk, port, scenario.script, warm_args, warmup, token)
            time.sleep(0.5)
            result = _measure(wrk, pid, port, scenario, measure_args, seconds, database_url, token)
            print(
                f"    {result.rps:,.0f} req/s, p50 {result.p50_ms} ms, p99 {result.p99_ms} ms, "
                f"non-2xx {result.non_2xx}, server CPU {result.server_cpu_pct}%",
                flush=True,
            )
            report.results.append(result)
        report.server_rss_mb_end, report.server_peak_rss_mb = memory_mb(pid)
    health = next((r for r in report.results if r.scenario == "health"), None)
    for result in report.results:
        if health and health.rps:
            result.ratio_to_health = round(result.rps / health.rps, 3)
        result.p99_met = result.p99_ms is not None and result.p99_ms <= P99_TARGET_MS
        if result.target_rps is not None:
            result.rps_met = result.rps >= result.target_rps
            result.met = (
                result.rps_met and result.p99_met and result.non_2xx == 0 and not any(result.socket_errors.values())
            )
    if report.server_peak_rss_mb is not None:
        report.memory_met = report.server_peak_rss_mb <= MEMORY_TARGET_MB
    try:
        report.server_log_lines = sum(1 for _ in log_path.open("rb"))
    except OSError:
        report.server_log_lines = 0
    return report
