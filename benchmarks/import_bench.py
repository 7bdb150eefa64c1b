"""Import benchmark: ``prm import synthea`` (``import_synthea``) of a generated Synthea export.

PostgreSQL gets the whole file (1,000,000 patients in the full run) into a fresh database, and
the rate is taken for each tenth of it (each 100,000): a bulk load must stay linear, whatever
the planner thought of the tables when they were empty (this machine's PostgreSQL runs without
autovacuum). Then the same file again: every patient is found unchanged. SQLite gets the first
100,000 at most, twice.

The job runs as ``prm import synthea DIR --no-progress`` in a process of its own, as an operator
would run it; the tenths are timed from its ``patients.imported`` log lines (JSON, one per batch,
counts only) as they arrive on its stderr, with its CPU time and that of the database's
PostgreSQL backends. A run still going after ``budget`` seconds is stopped (the process is
terminated, its transactions roll back), and the table shows how far it got.
"""

import importlib.util
import json
import os
import sqlite3
import subprocess
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from benchmarks.cpu import CLOCK_TICKS, postgres_ticks, processes, ticks_between, tree
from benchmarks.data import synthea_source, write_synthea_folder
from benchmarks.databases import backend_pids, libpq, postgres_database, sqlite_database
from benchmarks.http_bench import prm_executable

TARGETS = {"postgresql": 10_000.0, "sqlite": 3_000.0}
FLAT_COST = 1.25
"""Flat: no tenth costs more CPU per patient (the job's and PostgreSQL's) than this multiple of
the first tenth's. CPU per patient, not the rate: on a shared machine the rate moves with the
neighbours, while an import that is not linear shows as a cost per patient that grows."""
SQLITE_MAX = 100_000
MODULE = "prm.entrypoints.cli.imports"
_MARK = '"patients.imported"'


@dataclass
class ImportStep:
    """One tenth of a run: the patients done by its end, and what it took."""

    upto: int
    seconds: float
    rate: float
    client_us_per_patient: float  # the job's CPU
    postgres_us_per_patient: float | None


@dataclass
class ImportRun:
    backend: str
    run: str  # "first (create)" or "second (unchanged)"
    patients: int
    seconds: float
    rate: float
    target: float
    met: bool
    exit_code: int | None  # None: stopped at the time budget
    rows_in_db: int
    done: int = 0
    steps: list[ImportStep] = field(default_factory=list)
    slowest_vs_first: float | None = None  # the slowest tenth's rate / the first's
    costliest_vs_first: float | None = None  # the costliest tenth's CPU per patient / the first's
    flat: bool | None = None


@dataclass
class ImportReport:
    patients: int
    source: str
    budget_s: float
    available: bool = True
    note: str = ""
    runs: list[ImportRun] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def available() -> bool:
    return importlib.util.find_spec(MODULE) is not None


def _count(url: str) -> int:
    if url.startswith("sqlite"):
        with sqlite3.connect(str(make_url(url).database)) as connection:
            return int(connection.execute("SELECT count(*) FROM patients").fetchone()[0])
    with psycopg.connect(libpq(url)) as connection:
        row = connection.execute("SELECT count(*) FROM patients").fetchone()
        return int(row[0]) if row else 0


class _Tenths:
    """Counts the patients of each ``patients.imported`` line of the job's log and takes the time
    and CPU (the job's, its database's PostgreSQL backends') at every ``step`` patients."""

    def __init__(self, step: int, job: int, database_url: str | None) -> None:
        self.step = step
        self.job = job
        self._probe = psycopg.connect(libpq(database_url), autocommit=True) if database_url else None
        self.done = 0
        self.steps: list[ImportStep] = []
        self._backends: set[int] = set()
        self.other: deque[str] = deque(maxlen=30)  # the last lines that are not a batch's (errors)
        self._last = self._mark()

    def _mark(self) -> tuple[float, float, dict[int, int] | None]:
        job = sum(p.user + p.system for p in tree(self.job, processes())) / CLOCK_TICKS
        return time.perf_counter(), job, postgres_ticks() if self._probe is not None else None

    def line(self, text: str) -> None:
        if _MARK not in text or not text.startswith("{"):
            self.other.append(text.rstrip("\n"))
            return
        counts = json.loads(text)
        self.done += sum(int(counts.get(k, 0)) for k in ("created", "updated", "unchanged", "rejected"))
        while self.done >= (len(self.steps) + 1) * self.step:
            self._take((len(self.steps) + 1) * self.step)

    def _take(self, upto: int) -> None:
        now = self._mark()
        (at, cpu, pg), self._last = self._last, now
        done = upto - (self.steps[-1].upto if self.steps else 0)
        postgres = None
        if pg is not None and now[2] is not None and self._probe is not None:
            # The job's pool: the same connections all along (gone already after its last batch).
            self._backends |= backend_pids(self._probe)
            postgres = round(ticks_between(pg, now[2], self._backends) / done * 1e6, 1)
        seconds = now[0] - at
        step = ImportStep(
            upto, round(seconds, 2), round(done / seconds), round((now[1] - cpu) / done * 1e6, 1), postgres
        )
        self.steps.append(step)
        print(
            f"    {step.upto:>9,}: {step.rate:>7,.0f} patients/s (job {step.client_us_per_patient:.0f} us, "
            f"PostgreSQL {step.postgres_us_per_patient or 0:.0f} us of CPU per patient)",
            flush=True,
        )

    def close(self) -> None:
        if self._probe is not None:
            self._probe.close()


def _timed(url: str, folder: Path, step: int, budget: float) -> tuple[float, int | None, _Tenths]:
    """Run the job on ``folder``; (seconds, exit code or ``None`` if stopped at ``budget``, tenths)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRM_")}
    env.update({"PRM_DATABASE_URL": url, "PRM_LOG_LEVEL": "info", "PRM_LOG_FORMAT": "json"})
    command = [prm_executable(), "import", "synthea", str(folder), "--batch-size", "1000", "--no-progress"]
    started = time.perf_counter()
    job = subprocess.Popen(
        command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    tenths = _Tenths(step, job.pid, url if url.startswith("postgresql") else None)
    assert job.stderr is not None
    stream = job.stderr

    def read() -> None:
        for text in stream:
            tenths.line(text)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    code: int | None
    try:
        code = job.wait(timeout=budget)
    except subprocess.TimeoutExpired:
        code = None
        job.terminate()
        try:
            job.wait(timeout=30)
        except subprocess.TimeoutExpired:
            job.kill()
            job.wait(timeout=30)
    seconds = time.perf_counter() - started
    reader.join(timeout=30)
    tenths.close()
    return seconds, code, tenths


def _judge(run: ImportRun) -> None:
    rates = [s.rate for s in run.steps]
    costs = [s.client_us_per_patient + (s.postgres_us_per_patient or 0) for s in run.steps]
    if len(rates) >= 2:
        run.slowest_vs_first = round(min(rates[1:]) / rates[0], 2)
        run.costliest_vs_first = round(max(costs[1:]) / costs[0], 2)
        run.flat = run.costliest_vs_first <= FLAT_COST
    run.met = run.rate >= run.target and run.exit_code == 0 and run.done >= run.patients and run.flat is not False


def _backend(name: str, url: str, folder: Path, patients: int, budget: float) -> list[ImportRun]:
    runs: list[ImportRun] = []
    for label in ("first (create)", "second (unchanged)"):
        seconds, code, tenths = _timed(url, folder, max(patients // 10, 1), budget)
        done = patients if code is not None else tenths.done
        rate = done / seconds
        run = ImportRun(
            backend=name,
            run=label,
            patients=patients,
            seconds=round(seconds, 2),
            rate=round(rate),
            target=TARGETS[name],
            met=False,
            exit_code=code,
            rows_in_db=_count(url),
            done=done,
            steps=tenths.steps,
        )
        _judge(run)
        runs.append(run)
        if code not in (0, None):
            print("  the job's last lines:\n" + "\n".join(f"    {line}" for line in tenths.other), flush=True)
        ended = f"exit {code}" if code is not None else f"STOPPED after {budget:.0f}s at {tenths.done:,}"
        print(f"  {name} {label}: {done:,} in {seconds:.2f}s = {rate:,.0f} patients/s ({ended})", flush=True)
        if code is None:
            break  # a create that ran out of time leaves nothing to re-run
    return runs


def run_import(workdir: Path, patients: int, *, budget: float = 900.0) -> ImportReport:
    source = synthea_source()
    report = ImportReport(patients=patients, source=str(source), budget_s=budget)
    if not available():
        report.available = False
        report.note = f"{MODULE} does not exist yet: import not measured"
        print(f"  skipped: {report.note}", flush=True)
        return report
    started = time.perf_counter()
    folder = write_synthea_folder(workdir / "synthea", patients)
    print(
        f"  wrote {patients:,} Synthea patients to {folder} in {time.perf_counter() - started:.0f}s "
        f"(rows copied from {source})",
        flush=True,
    )
    with postgres_database() as url:
        report.runs += _backend("postgresql", url, folder, patients, budget)
    small = min(patients, SQLITE_MAX)
    if small < patients:
        folder = write_synthea_folder(workdir / "synthea-sqlite", small)  # the same first rows
    with sqlite_database(workdir) as url:
        report.runs += _backend("sqlite", url, folder, small, budget)
    return report
