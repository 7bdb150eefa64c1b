"""Printing the figures (plain-text tables an issue note can quote) and the machine's facts."""

import os
import platform
import sys
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from rich.box import MARKDOWN
from rich.console import Console
from rich.table import Table

from benchmarks.access_log_bench import AccessLogReport
from benchmarks.communications_bench import CommunicationsReport
from benchmarks.duplicates_bench import DuplicatesResult
from benchmarks.http_bench import MEMORY_TARGET_MB, P99_TARGET_MS, HttpReport, WorkersComparison, WrkResult
from benchmarks.import_bench import FLAT_COST, SQLITE_MAX, ImportReport
from benchmarks.journeys_bench import JourneysResult
from benchmarks.journeys_reads_bench import ReadsResult
from benchmarks.merge_bench import MergeResult
from benchmarks.patient360_bench import Patient360Result
from benchmarks.scheduling_bench import SchedulingReport
from benchmarks.worker_bench import WorkerReport

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


def _x(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}x"


def _us(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _http_table(title: str, results: list[WrkResult]) -> Table:
    """The issue's table: throughput, latency, and CPU per request as a multiple of /health's."""
    table = Table(title=title, box=MARKDOWN, title_justify="left")
    for column in (
        "scenario",
        "req/s",
        "target",
        "p50 ms",
        "p99 ms",
        f"p99<={P99_TARGET_MS:.0f}",
        "errors",
        "srv us/req",
        "srv x health",
        "today x",
        "target x",
        "x met",
        "PG us/req",
        "PG x health",
        "met",
    ):
        table.add_column(column, justify="left" if column == "scenario" else "right", no_wrap=True)
    for r in results:
        table.add_row(
            r.label,
            f"{r.rps:,.0f}",
            "-" if r.target_rps is None else f"{r.target_rps:,.0f}",
            _ms(r.p50_ms),
            _ms(r.p99_ms),
            _yes(r.p99_met),
            str(r.errors),
            _us(r.server_us_per_request),
            _x(r.server_x_health),
            _x(r.today_x),
            "-" if r.target_x is None else f"<={r.target_x:.1f}x",
            _yes(r.cpu_met),
            _us(r.postgres_us_per_request),
            _x(r.postgres_x_health),
            _yes(r.met),
        )
    return table


def _cpu_table(results: list[WrkResult]) -> Table:
    table = Table(title="Where the CPU went (% of one core over the measured run)", box=MARKDOWN, title_justify="left")
    for column in ("scenario", "server (sys)", "procs", "PG", "wrk", "other", "wrk us/req", "PG conns", "notes"):
        table.add_column(column, justify="left" if column in {"scenario", "notes"} else "right", no_wrap=True)
    for r in results:
        notes = ""
        if r.statuses:
            notes = " ".join(f"{n:,} x {s}" for s, n in sorted(r.statuses.items()))
        if r.rows_written is not None:
            notes += f"; {r.rows_written:,} booked in db"
        table.add_row(
            r.label,
            f"{r.server_cpu_pct:.0f}% ({r.server_sys_pct:.0f}%)",
            str(r.server_processes),
            f"{r.postgres_cpu_pct:.0f}%",
            f"{r.wrk_cpu_pct:.0f}%",
            f"{r.other_cpu_pct:.0f}%",
            _us(r.wrk_us_per_request),
            str(r.pg_sessions_opened),
            notes,
        )
    return table


def print_workers(comparison: WorkersComparison | None, one_worker: WrkResult | None) -> None:
    if comparison is None or one_worker is None:
        return
    n = comparison.workers
    if not comparison.supported:
        console.print(f"{n} workers: not measured (this prm serve has no --workers)")
        return
    found = [r for r in (comparison.health, comparison.get_by_id) if r is not None]
    console.print(_http_table(f"The same on `prm serve --workers {n}` (CPU summed over all its processes)", found))
    two = comparison.get_by_id
    if two is None or comparison.measured_ratio is None:
        return
    console.print(
        f"measured: {n} workers = {comparison.measured_ratio:.2f}x one worker for get by id "
        f"({two.rps:,.0f} against {one_worker.rps:,.0f} req/s; wrk, PostgreSQL and the server share "
        f"the machine's {os.cpu_count()} cores unpinned, so this is a floor, not the scaling of a bigger box)"
    )
    if comparison.one_worker_ceiling_rps is not None:
        console.print(
            f"estimated from CPU per request: one worker's ceiling is 1e6 / {_us(one_worker.server_us_per_request)} us"
            f" = {comparison.one_worker_ceiling_rps:,} req/s; {n} workers on cores of their own = "
            f"{comparison.own_cores_ratio:.0f}x while PostgreSQL keeps up "
            f"(it needs {_us(one_worker.postgres_us_per_request)} us per request); on this box, where server, "
            f"PostgreSQL and wrk share {os.cpu_count()} cores, at most {comparison.this_box_ceiling_rps:,} req/s: "
            f"{n} workers = {comparison.this_box_ratio:.2f}x one worker"
        )
    if two.server_us_per_request and one_worker.server_us_per_request:
        console.print(
            f"CPU per get by id: {_us(two.server_us_per_request)} us on {n} workers against "
            f"{_us(one_worker.server_us_per_request)} us on one "
            f"({two.server_us_per_request / one_worker.server_us_per_request:.2f}x)"
        )


def print_http(report: HttpReport) -> None:
    console.print(
        _http_table(
            f"HTTP: {report.patients:,} patients on PostgreSQL, wrk -t{report.threads} -c{report.connections} "
            f"-d{report.duration_s}s, one uvicorn worker; CPU per request from /proc, x health = a multiple of "
            "/health's server CPU per request in this run",
            report.results,
        )
    )
    console.print(_cpu_table(report.results))
    if report.server_env:
        console.print(
            "server settings changed for this run: " + " ".join(f"{k}={v}" for k, v in report.server_env.items())
        )
    health, quiet = report.result("health"), report.health_without_access_log
    if health and quiet and health.server_us_per_request and quiet.server_us_per_request:
        line = health.server_us_per_request - quiet.server_us_per_request
        console.print(
            f"/health without the access log: {_us(quiet.server_us_per_request)} us/req "
            f"({quiet.rps:,.0f} req/s) against {_us(health.server_us_per_request)} with it: the access line costs "
            f"about {line:,.0f} us, {100 * line / health.server_us_per_request:.0f}% of /health"
        )
    print_workers(report.workers, report.result("get_by_id"))
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
            "those req/s and latencies understate the service (CPU per request is the steadier figure)."
        )


def print_access_log(report: AccessLogReport) -> None:
    console.print(
        f"access log (middleware around an app that answers at once, {report.requests:,} requests, best of "
        f"{report.rounds}): {report.on_us} us per request with the line, {report.off_us} without: "
        f"one line = {report.line_us} us of CPU ({report.line_bytes} bytes)"
    )


def print_import(report: ImportReport) -> None:
    if not report.available:
        console.print(f"import: {report.note}")
        return
    table = Table(
        title=f"Import: prm import synthea, patients.csv with {report.patients:,} patients, batches of 1000 "
        f"(SQLite: the first {min(report.patients, SQLITE_MAX):,}); stopped after {report.budget_s:.0f}s",
        box=MARKDOWN,
        title_justify="left",
    )
    for column in ("database", "run", "done", "seconds", "patients/s", "target", "slowest tenth",
                   "costliest tenth", "flat", "met", "exit", "rows in db"):  # fmt: skip
        table.add_column(column, justify="left" if column in {"database", "run"} else "right", no_wrap=True)
    for run in report.runs:
        table.add_row(
            run.backend,
            run.run,
            f"{run.done:,}",
            f"{run.seconds:.2f}",
            f"{run.rate:,.0f}",
            f"{run.target:,.0f}",
            "-" if run.slowest_vs_first is None else f"{run.slowest_vs_first:.2f}x",
            "-" if run.costliest_vs_first is None else f"{run.costliest_vs_first:.2f}x",
            _yes(run.flat),
            _yes(run.met),
            "stopped" if run.exit_code is None else str(run.exit_code),
            f"{run.rows_in_db:,}",
        )
    console.print(table)
    console.print(
        "slowest tenth: its rate / the first tenth's; costliest tenth: its CPU per patient (job + PostgreSQL) / the "
        f"first's; flat: no tenth above {FLAT_COST}x the first's CPU per patient (the rate moves with the neighbours)"
    )
    for run in report.runs:
        if run.backend != "postgresql" or not run.steps:
            continue
        steps = Table(title=f"Import into PostgreSQL, {run.run}: each tenth", box=MARKDOWN, title_justify="left")
        for column in ("patients", "seconds", "patients/s", "job us/patient", "PG us/patient"):
            steps.add_column(column, justify="right", no_wrap=True)
        for step in run.steps:
            steps.add_row(
                f"{step.upto:,}",
                f"{step.seconds:.2f}",
                f"{step.rate:,.0f}",
                f"{step.client_us_per_patient:,.0f}",
                _us(step.postgres_us_per_patient),
            )
        console.print(steps)


def print_scheduling(report: SchedulingReport) -> None:
    """The scheduling tables: availability latency, encounter imports (booking is in the HTTP table)."""
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


def print_worker(report: WorkerReport) -> None:
    """Background work: backlog drains, commit-to-webhook latency, bulk integration events."""
    table = Table(
        title="Background work on PostgreSQL (outbox relay to PRM's handlers, one tenant)",
        box=MARKDOWN,
        title_justify="left",
    )
    for column in ("measure", "figure", "target", "met"):
        table.add_column(column, justify="left" if column == "measure" else "right", no_wrap=True)
    for d in report.drains:
        table.add_row(
            f"drain {d.events:,} events, {d.workers} worker(s)",
            f"{d.events_per_second:,}/s ({d.seconds} s, {d.worker_cpu_us_per_event} µs CPU/event)",
            "≥ 2,000/s" if d.workers == 1 else "-",
            _yes(d.events_per_second >= 2000) if d.workers == 1 else "-",
        )
    if report.speedup is not None:
        table.add_row("two workers / one", f"{report.speedup}x", "≥ 1.6x", _yes(report.speedup >= 1.6))
    if report.webhook_latency is not None:
        w = report.webhook_latency
        table.add_row(
            f"commit to webhook, idle ({w.deliveries})",
            f"p50 {w.p50_ms} ms, p95 {w.p95_ms} ms",
            "p95 ≤ 1,000 ms",
            _yes(w.p95_ms <= 1000),
        )
    if report.bulk is not None:
        b = report.bulk
        table.add_row(
            f"bulk integration events ({b.events:,})",
            f"{b.events_per_second:,}/s",
            "≥ 5,000/s",
            _yes(b.events_per_second >= 5000),
        )
    console.print(table)


def print_communications(report: "CommunicationsReport") -> None:
    """Communications: SMS dispatch through the loopback Twilio, full-text search, campaign planning."""
    table = Table(title="Communications on PostgreSQL", box=MARKDOWN, title_justify="left")
    for column in ("measure", "figure", "target", "met"):
        table.add_column(column, justify="left" if column == "measure" else "right", no_wrap=True)
    d = report.dispatch
    table.add_row(
        f"dispatch {d.messages:,} SMS, one worker, loopback Twilio",
        f"{d.messages_per_second:,}/s ({d.seconds} s, {d.worker_cpu_us_per_message} µs CPU/message)",
        "≥ 500/s",
        _yes(d.messages_per_second >= 500),
    )
    table.add_row(
        "received by the provider (sent twice)",
        f"{d.provider_received:,} ({d.sent_twice})",
        f"{d.messages:,} (0)",
        _yes(d.provider_received == d.messages and d.sent_twice == 0),
    )
    q = report.search
    table.add_row(
        f"search over {q.rows:,} messages ({q.queries} queries)",
        f"p50 {q.p50_ms} ms, p95 {q.p95_ms} ms, p99 {q.p99_ms} ms",
        "p95 ≤ 50 ms",
        _yes(q.p95_ms <= 50),
    )
    c = report.campaign
    table.add_row(
        f"campaign to {c.patients:,} patients planned ({c.blocked:,} blocked at planning)",
        f"{c.seconds} s median of {c.runs} ({c.recipients_per_second:,}/s, {c.cpu_seconds} s CPU)",
        "≤ 10 s",
        _yes(c.seconds <= 10),
    )
    console.print(table)


def print_journeys(result: JourneysResult, reads: ReadsResult) -> None:
    """Journeys advanced by integration events through one worker; reads over many instances
    and tickets."""
    table = Table(title="Journeys on PostgreSQL", box=MARKDOWN, title_justify="left")
    for column in ("measure", "figure", "target", "met"):
        table.add_column(column, justify="left" if column == "measure" else "right", no_wrap=True)
    table.add_row(
        f"{result.events:,} integration events for {result.patients:,} patients, one worker",
        f"{result.events_per_second:,}/s ({result.seconds} s, {result.worker_cpu_us_per_event} µs CPU/event)",
        "≥ 1,000/s",
        _yes(result.events_per_second >= 1000),
    )
    table.add_row(
        "instances completed, events processed",
        f"{result.instances_completed:,}, {result.events_processed:,}",
        f"{result.patients:,}, {result.events:,}",
        _yes(result.events_processed == result.events),
    )
    for latency in reads.latencies:
        table.add_row(
            f"{latency.request}, {reads.instances:,} instances and {reads.tickets:,} tickets",
            f"p50 {latency.p50_ms} ms, p95 {latency.p95_ms} ms, p99 {latency.p99_ms} ms",
            "p95 ≤ 20 ms",
            _yes(latency.p95_ms <= 20),
        )
    console.print(table)


def print_merge(result: "MergeResult") -> None:
    """Patient merges (200 appointments, 1,000 messages) and their undo on PostgreSQL."""
    table = Table(title="Patient merge on PostgreSQL", box=MARKDOWN, title_justify="left")
    for column in ("measure", "figure", "target", "met"):
        table.add_column(column, justify="left" if column == "measure" else "right", no_wrap=True)
    table.add_row(
        f"merge: {result.appointments} appointments, {result.messages:,} messages ({result.rows_per_merge:,} rows), "
        f"{result.merges} merges",
        f"p50 {result.merge_p50_ms} ms, p95 {result.merge_p95_ms} ms",
        "≤ 200 ms",
        _yes(result.merge_p95_ms <= 200),
    )
    table.add_row(
        "undo of each merge",
        f"p50 {result.undo_p50_ms} ms, p95 {result.undo_p95_ms} ms",
        "-",
        "-",
    )
    console.print(table)


def print_duplicates(result: "DuplicatesResult") -> None:
    """Duplicates of one patient and the tenant-wide scan on PostgreSQL."""
    table = Table(title="Duplicate patients on PostgreSQL", box=MARKDOWN, title_justify="left")
    for column in ("measure", "figure", "target", "met"):
        table.add_column(column, justify="left" if column == "measure" else "right", no_wrap=True)
    table.add_row(
        f"duplicates of one patient ({result.patients:,} patients, {result.lookups} look-ups, "
        f"{result.mean_candidates} shown on average)",
        f"p50 {result.lookup_p50_ms} ms, p95 {result.lookup_p95_ms} ms",
        "≤ 50 ms",
        _yes(result.lookup_p95_ms <= 50),
    )
    table.add_row(
        f"tenant-wide scan ({result.scan_pairs_compared:,} pairs compared, {result.scan_pairs_found:,} found of "
        f"{result.duplicates_planted:,} planted)",
        f"{result.scan_patients_per_s:,} patients/s ({result.scan_seconds} s)",
        "≥ 5,000/s",
        _yes(result.scan_patients_per_s >= 5_000),
    )
    table.add_row(
        f"load with blocking keys ({result.match_keys:,} keys)", f"{result.load_patients_per_s:,} patients/s", "-", "-"
    )
    console.print(table)


def print_patient360(result: "Patient360Result") -> None:
    """The patient 360 view, the statistics of ``GET /patients/{id}`` and the timeline on PostgreSQL."""
    table = Table(title="Patient 360 on PostgreSQL", box=MARKDOWN, title_justify="left")
    for column in ("measure", "figure", "target", "met"):
        table.add_column(column, justify="left" if column == "measure" else "right", no_wrap=True)
    table.add_row(
        f"360 view ({result.patients:,} patients, {result.lookups} look-ups, half of {result.busy_patients} busy)",
        f"p50 {result.view_p50_ms} ms, p95 {result.view_p95_ms} ms (busy p95 {result.view_busy_p95_ms} ms)",
        "≤ 30 ms",
        _yes(result.view_p95_ms <= 30),
    )
    table.add_row(
        f"CPU per 360 view (load average {result.load_average})",
        f"PRM {result.view_cpu_ms} ms, PostgreSQL {result.view_pg_cpu_ms} ms",
        "-",
        "-",
    )
    table.add_row(
        "statistics of GET /patients/{id}",
        f"p50 {result.statistics_p50_ms} ms, p95 {result.statistics_p95_ms} ms, PRM CPU {result.statistics_cpu_ms} ms",
        "-",
        "-",
    )
    table.add_row(
        "timeline, first page of 20", f"p50 {result.timeline_p50_ms} ms, p95 {result.timeline_p95_ms} ms", "-", "-"
    )
    console.print(table)


def print_fields(title: str, result: Mapping[str, Any]) -> None:
    """A part's result as a two-column table of its fields (nested ones flattened with dots)."""
    table = Table(title=title, box=MARKDOWN, title_justify="left")
    table.add_column("measure", justify="left", no_wrap=True)
    table.add_column("figure", justify="right")

    def rows(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for key, inner in value.items():
                rows(f"{prefix}.{key}" if prefix else str(key), inner)
        else:
            table.add_row(prefix, str(value))

    rows("", result)
    console.print(table)
