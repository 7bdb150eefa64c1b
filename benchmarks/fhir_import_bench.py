"""FHIR import benchmark: ``prm import fhir`` (``import_fhir``) of the 1,144-patient Synthea Bulk
Data NDJSON set (``../shared/data/synthea_fhir/bulk_ndjson_1000pt``: Patient, Practitioner,
Organization, Location, PractitionerRole) into a fresh PostgreSQL database, twice: the first run
creates every patient, the second finds them all unchanged (idempotency). ``rate`` is patients
per second of the Patient file's batches (checked and written, as its summary line times them;
``wall_rate`` counts the whole command, reading included); the count check compares the
patients in the database with the file's lines.

``quick`` reads only the Patient file. Target (issue 14): >= 3,000 patients a second.
"""

import asyncio
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console

from benchmarks.databases import libpq, postgres_database

DATA = Path(os.environ.get("PRM_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
SOURCE = DATA / "synthea_fhir" / "bulk_ndjson_1000pt"
TARGET = 3_000.0


@dataclass
class FhirImportRun:
    run: str  # "first (create)" or "second (unchanged)"
    patients: int
    created: int
    unchanged: int
    rejected: int
    seconds: float  # the Patient file's batches (mapping checked, written), as its summary line times them
    rate: float
    wall_seconds: float  # the whole command: reading and mapping every file too, opening the database
    wall_rate: float
    exit_code: int


@dataclass
class FhirImportBench:
    source: str
    patients_in_file: int
    patients_in_db: int
    target: float
    met: bool
    count_ok: bool
    runs: list[FhirImportRun] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


async def _once(url: str, path: Path, label: str) -> FhirImportRun:
    from prm.entrypoints.cli.fhir_import import import_fhir
    from prm.settings import Settings

    settings = Settings.from_env({"PRM_DATABASE_URL": url, "PRM_LOG_LEVEL": "warning"})
    quiet = Console(quiet=True)  # rejections and warnings: counted in the summary, not printed
    started = time.perf_counter()
    result = await import_fhir(settings, path, progress=False, console=quiet)
    wall = time.perf_counter() - started
    patients = next(f for f in result.report.files if f.file.endswith("Patient"))
    outcome = patients.outcome
    return FhirImportRun(
        run=label,
        patients=patients.rows,
        created=outcome.created,
        unchanged=outcome.unchanged,
        rejected=len(outcome.rejected),
        seconds=round(patients.seconds, 3),
        rate=round(patients.rows / patients.seconds, 1) if patients.seconds else 0.0,
        wall_seconds=round(wall, 3),
        wall_rate=round(patients.rows / wall, 1),
        exit_code=result.exit_code,
    )


def run_fhir_import_bench(*, quick: bool = False) -> FhirImportBench:
    """Import the set twice on a fresh PostgreSQL database (``quick``: the Patient file only)."""
    path = SOURCE / "Patient.000.ndjson" if quick else SOURCE
    in_file = sum(1 for line in (SOURCE / "Patient.000.ndjson").open("rb") if line.strip())
    with postgres_database() as url:
        runs = [asyncio.run(_once(url, path, "first (create)")), asyncio.run(_once(url, path, "second (unchanged)"))]
        with psycopg.connect(libpq(url)) as connection:
            row = connection.execute("SELECT count(*) FROM patients").fetchone()
            in_db = int(row[0]) if row else 0
    return FhirImportBench(
        source=str(path),
        patients_in_file=in_file,
        patients_in_db=in_db,
        target=TARGET,
        met=runs[0].rate >= TARGET,
        count_ok=in_db == in_file and runs[0].created == in_file and runs[1].unchanged == in_file,
        runs=runs,
    )


if __name__ == "__main__":
    report = run_fhir_import_bench(quick=True)
    print(f"source {report.source}: {report.patients_in_file} patients in the file, {report.patients_in_db} in the db")
    for run in report.runs:
        print(
            f"  {run.run:<20} {run.patients} patients: created {run.created}, unchanged {run.unchanged}, "
            f"rejected {run.rejected}, {run.seconds:.2f} s, {run.rate:,.0f}/s; whole command {run.wall_seconds:.2f} s, "
            f"{run.wall_rate:,.0f}/s (exit {run.exit_code})"
        )
    met, count = "met" if report.met else "NOT met", "ok" if report.count_ok else "WRONG"
    print(f"target >= {report.target:,.0f}/s: {met}; count {count}")
