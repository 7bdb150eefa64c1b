"""Import benchmark: ``run_synthea_import`` of a generated Synthea export into a fresh PostgreSQL
database and a fresh SQLite file, twice each: the first run creates every patient, the second
finds them all unchanged."""

import asyncio
import contextlib
import importlib.util
import io
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from benchmarks.data import synthea_source, write_synthea_folder
from benchmarks.databases import libpq, postgres_database, sqlite_database
from prm.settings import Settings

TARGETS = {"postgresql": 10_000.0, "sqlite": 3_000.0}
MODULE = "prm.entrypoints.synthea_import"


@dataclass
class ImportRun:
    backend: str
    run: str  # "first (create)" or "second (unchanged)"
    patients: int
    seconds: float
    rate: float
    target: float
    met: bool
    exit_code: int
    rows_in_db: int


@dataclass
class ImportReport:
    patients: int
    source: str
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


async def _timed(settings: Settings, folder: Path) -> tuple[float, int]:
    from prm.entrypoints.synthea_import import run_synthea_import

    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # the job's summary table: we print our own
        code = await run_synthea_import(settings, folder, batch_size=1000, progress=False)
    return time.perf_counter() - started, int(code)


def _backend(name: str, url: str, folder: Path, patients: int) -> list[ImportRun]:
    settings = Settings.from_mapping({"database_url": url, "log_level": "warning"})
    runs: list[ImportRun] = []
    for label in ("first (create)", "second (unchanged)"):
        seconds, code = asyncio.run(_timed(settings, folder))
        rate = patients / seconds
        runs.append(
            ImportRun(
                backend=name,
                run=label,
                patients=patients,
                seconds=round(seconds, 2),
                rate=round(rate),
                target=TARGETS[name],
                met=rate >= TARGETS[name] and code == 0,
                exit_code=code,
                rows_in_db=_count(url),
            )
        )
        print(f"  {name} {label}: {patients:,} in {seconds:.2f}s = {rate:,.0f} patients/s (exit {code})", flush=True)
    return runs


def run_import(workdir: Path, patients: int) -> ImportReport:
    source = synthea_source()
    report = ImportReport(patients=patients, source=str(source))
    if not available():
        report.available = False
        report.note = f"{MODULE} does not exist yet: import not measured"
        print(f"  skipped: {report.note}", flush=True)
        return report
    folder = write_synthea_folder(workdir / "synthea", patients)
    print(f"  wrote {patients:,} Synthea patients to {folder} (rows copied from {source})", flush=True)
    with postgres_database() as url:
        report.runs += _backend("postgresql", url, folder, patients)
    with sqlite_database(workdir) as url:
        report.runs += _backend("sqlite", url, folder, patients)
    return report
