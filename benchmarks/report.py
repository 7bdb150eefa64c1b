"""Printing the figures (plain-text tables an issue note can quote) and the machine's facts."""

import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from rich.box import MARKDOWN
from rich.console import Console
from rich.table import Table

from benchmarks.http_bench import MEMORY_TARGET_MB, P99_TARGET_MS, HttpReport
from benchmarks.import_bench import ImportReport
from benchmarks.scheduling_bench import SchedulingReport

OTHER_CPU_WARNING = 15.0
PACKAGES = (
    "litestar",
    "uvicorn",
    "uvloop",
    "httptools",
    "sqlalchemy",
    "psycopg",
    "aiosqlite",
    "dishka",
    "msgspec",
    "structlog",
)

console = Console(width=200, highlight=False, soft_wrap=True)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _memory_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "?"


def machine_facts(postgres: str, wrk: str) -> dict[str, Any]:
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "-"
    return {
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "cpu": _cpu_model(),
        "memory": _memory_total(),
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "postgresql": postgres,
        "wrk": wrk,
        "loadavg_at_start": Path("/proc/loadavg").read_text().split()[:3],
        "packages": versions,
    }


def print_facts(facts: dict[str, Any]) -> None:
    console.print(
        f"machine: {facts['nproc']} CPUs ({facts['usable_cpus']} usable), {facts['cpu']}, "
        f"{facts['memory']} RAM, Linux {facts['kernel']}"
    )
    console.print(f"load average at start: {' '.join(facts['loadavg_at_start'])}")
    console.print(f"Python {facts['python']}, PostgreSQL {facts['postgresql']}, {facts['wrk']}")
    console.print("packages: " + ", ".join(f"{k} {v}" for k, v in facts["packages"].items()))


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _yes(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "NO")


def print_http(report: HttpReport) -> None:
    table = Table(
        title=f"HTTP: {report.patients:,} patients on PostgreSQL, wrk -t{report.threads} "
        f"-c{report.connections} -d{report.duration_s}s, one uvicorn worker",
        box=MARKDOWN,
        title_justify="left",
    )
    for column in (
        "scenario",
        "req/s",
        "p50 ms",
        "p99 ms",
        "x /health",
        "target req/s",
        "req/s met",
        f"p99<={P99_TARGET_MS:.0f}ms",
        "errors",
        "server CPU (sys)",
        "PG CPU",
        "wrk CPU",
        "other CPU",
        "srv us/req",
        "PG conns",
    ):
        table.add_column(column, justify="left" if column == "scenario" else "right", no_wrap=True)
    for r in report.results:
        errors = r.non_2xx + sum(r.socket_errors.values())
        table.add_row(
            r.label,
            f"{r.rps:,.0f}",
            _ms(r.p50_ms),
            _ms(r.p99_ms),
            "-" if r.ratio_to_health is None else f"{r.ratio_to_health:.2f}",
            "-" if r.target_rps is None else f"{r.target_rps:,.0f}",
            _yes(r.rps_met),
            _yes(r.p99_met),
            str(errors),
            f"{r.server_cpu_pct:.0f}% ({r.server_sys_pct:.0f}%)",
            f"{r.postgres_cpu_pct:.0f}%",
            f"{r.wrk_cpu_pct:.0f}%",
            f"{r.other_cpu_pct:.0f}%",
            "-" if r.server_cpu_us_per_request is None else f"{r.server_cpu_us_per_request:.0f}",
            str(r.pg_sessions_opened),
        )
    console.print(table)
    if report.server_env:
        console.print(
            "server settings changed for this run: " + " ".join(f"{k}={v}" for k, v in report.server_env.items())
        )
    console.print(
        f"server memory: RSS {_ms(report.server_rss_mb_idle)} MB idle, {_ms(report.server_rss_mb_end)} MB "
        f"at the end, peak (VmHWM) {_ms(report.server_peak_rss_mb)} MB; target <= {MEMORY_TARGET_MB:.0f} MB"
        f": {_yes(report.memory_met)}"
    )
    console.print(
        f"seed: {report.patients:,} patients in {report.seed_seconds:.1f}s through the library "
        f"({report.seed_rate:,} patients/s); server log {report.server_log} "
        f"({report.server_log_lines:,} lines)"
    )
    busy = [r.label for r in report.results if r.other_cpu_pct > OTHER_CPU_WARNING]
    if busy:
        console.print(
            f"WARNING: other processes used more than {OTHER_CPU_WARNING:.0f}% of a core during: {', '.join(busy)}; "
            "those req/s and latencies understate the service (srv us/req is the steadier figure)."
        )
    console.print(
        "CPU columns: % of one core over the measured run (the machine has "
        f"{os.cpu_count()}), (sys) = the server's kernel time; srv us/req = server CPU time per request; "
        "PG conns = PostgreSQL connections opened during the run (a pool smaller than the load churns them)."
    )


def print_import(report: ImportReport) -> None:
    if not report.available:
        console.print(f"import: {report.note}")
        return
    table = Table(
        title=f"Import: Synthea patients.csv with {report.patients:,} patients, batches of 1000",
        box=MARKDOWN,
        title_justify="left",
    )
    for column in ("database", "run", "seconds", "patients/s", "target", "met", "exit", "rows in db"):
        table.add_column(column, justify="left" if column in {"database", "run"} else "right", no_wrap=True)
    for run in report.runs:
        table.add_row(
            run.backend,
            run.run,
            f"{run.seconds:.2f}",
            f"{run.rate:,.0f}",
            f"{run.target:,.0f}",
            _yes(run.met),
            str(run.exit_code),
            f"{run.rows_in_db:,}",
        )
    console.print(table)


def print_scheduling(report: SchedulingReport) -> None:
    """The three scheduling tables: availability latency, booking throughput, encounter imports."""
    if report.availability is not None:
        a = report.availability
        table = Table(
            title=f"Scheduling (a): availability of one practitioner over {a.window_days} days, "
            f"{a.bookings:,} bookings over a year, GetAvailability on PostgreSQL, {a.calls} calls",
            box=MARKDOWN,
            title_justify="left",
        )
        for column in ("slots returned", "p50 ms", "p99 ms", "mean ms", "target ms", "met"):
            table.add_column(column, justify="right", no_wrap=True)
        table.add_row(
            str(a.slots_returned), _ms(a.p50_ms), _ms(a.p99_ms), _ms(a.mean_ms), _ms(a.target_ms), _yes(a.met)
        )
        console.print(table)
    if report.booking is not None:
        b, w = report.booking, report.booking.wrk
        table = Table(
            title=f"Scheduling (b): POST /appointments over {b.practitioners} practitioners, each request a distinct "
            f"free slot ({b.slots_prepared:,} prepared), wrk 16 connections, PostgreSQL",
            box=MARKDOWN,
            title_justify="left",
        )
        for column in ("req/s", "target", "p50 ms", "p99 ms", "201", "409", "other", "booked in db", "server CPU",
                       "PG CPU", "srv us/req", "met"):  # fmt: skip
            table.add_column(column, justify="right", no_wrap=True)
        table.add_row(
            f"{w.rps:,.0f}",
            f"{b.target_rps:,.0f}",
            _ms(w.p50_ms),
            _ms(w.p99_ms),
            f"{b.created:,}",
            f"{b.conflicts:,}",
            f"{b.other:,}",
            f"{b.booked_in_db:,}",
            f"{w.server_cpu_pct:.0f}%",
            f"{w.postgres_cpu_pct:.0f}%",
            "-" if w.server_cpu_us_per_request is None else f"{w.server_cpu_us_per_request:,.0f}",
            _yes(b.met),
        )
        console.print(table)
    if report.encounters:
        table = Table(
            title=f"Scheduling (c): encounters.csv import ({report.encounters[0].rows:,} rows), batches of 1000",
            box=MARKDOWN,
            title_justify="left",
        )
        for column in ("database", "run", "seconds", "rows/s", "target", "met", "exit", "appointments in db"):
            table.add_column(column, justify="left" if column in {"database", "run"} else "right", no_wrap=True)
        for run in report.encounters:
            table.add_row(
                run.backend,
                run.run,
                f"{run.seconds:.2f}",
                f"{run.rate:,.0f}",
                "-" if run.target is None else f"{run.target:,.0f}",
                _yes(run.met),
                str(run.exit_code),
                f"{run.rows_in_db:,}",
            )
        console.print(table)
