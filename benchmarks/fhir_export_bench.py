"""FHIR Bulk Data export on PostgreSQL (issue 14's target: 100,000 patients exported in ≤ 30 s).

A fresh database gets a tenant with ``patients`` patients (100,000; 2,000 with ``--quick``), each
with an MRN and an SSN, a name, gender and birth date, a phone and an email, a home address, a
language and a marital status (what the FHIR mapper renders), and ``practitioners`` practitioners.
After ``ANALYZE`` an export is kicked off through the library (``KickOffExport``, as
``GET /fhir/$export?_type=Patient,Practitioner`` does) and its job (``fhir_export.run``: keyset
pages, the FHIR mapping, NDJSON written as it goes, a progress update per page) is timed.
Reported: seconds, resources a second, the NDJSON size and the peak resident memory of this process
during the job (Linux ``VmHWM`` after resetting it) next to the resident memory before it: flat
memory means the job does not grow with the export.
"""

import asyncio
import contextlib
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

import sqlalchemy as sa

from benchmarks.databases import postgres_database

TENANT = UUID("00000000-0000-0000-0000-0000000014e0")
NOW = datetime.now(UTC) - timedelta(days=1)


@dataclass
class FhirExportResult:
    patients: int
    practitioners: int
    load_s: float
    export_s: float
    """Wall time of the export job, kick-off excluded (one commit)."""
    export_cpu_s: float
    """CPU time of this process during the job: moves far less than wall time on a shared machine."""
    resources_per_s: float
    files: int
    ndjson_mb: float
    rss_before_mb: float
    peak_rss_mb: float
    """The process's peak resident memory during the job (``VmHWM`` reset before it)."""
    load_average: float


def _memory_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _reset_peak_memory() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # Linux: VmHWM := VmRSS


async def _seed(url: str, patients: int, practitioners: int) -> None:
    from prm.adapters.sql.connection import SqlDatabase
    from prm.adapters.sql.patients import SqlPatientRepository
    from prm.adapters.sql.practitioners import SqlPractitionerRepository
    from prm.application.patients.inputs import ContactPointInput, PatientInput, build_details
    from prm.domain.patients.model import Identifier, MaritalStatus, Patient
    from prm.domain.practitioners.model import Practitioner, PractitionerDetails
    from prm.domain.shared.contact import Address, AddressUse, ContactPointSystem
    from prm.domain.shared.ids import TenantId
    from prm.domain.shared.person import AdministrativeGender, HumanName
    from prm.entrypoints.library import Prm
    from prm.settings import Settings

    settings = Settings.from_mapping({"database_url": url, "log_level": "warning"})
    tenant = TenantId(TENANT)
    address = Address(use=AddressUse.HOME, line=("1 Main St",), city="Boston", state="MA", postal_code="02110")
    async with Prm.open(settings) as prm:
        database = await prm.get(SqlDatabase)  # type: ignore[type-abstract]
        for start in range(0, patients, 5_000):
            people = []
            for n in range(start, min(patients, start + 5_000)):
                details = build_details(
                    PatientInput(
                        name=HumanName(given=("Ana", "Maria"), family=f"Export{n}"),
                        mrn=f"EXP-{n:07d}",
                        identifiers=(Identifier("http://hl7.org/fhir/sid/us-ssn", f"{n:09d}", "SS"),),
                        gender=AdministrativeGender.FEMALE if n % 2 else AdministrativeGender.MALE,
                        birth_date=date(1940 + n % 60, 1 + n % 12, 1 + n % 28),
                        telecom=(
                            ContactPointInput(
                                system=ContactPointSystem.PHONE, value=f"+1617{2_000_000 + n % 7_000_000}"
                            ),
                            ContactPointInput(system=ContactPointSystem.EMAIL, value=f"p{n}@example.org"),
                        ),
                        addresses=(address,),
                        preferred_language="en",
                        marital_status=MaritalStatus("M"),
                    ),
                    mrn=f"EXP-{n:07d}",
                    region="US",
                )
                people.append(Patient.register(tenant_id=tenant, details=details, now=NOW))
            async with database.connect(tenant) as connection:
                await SqlPatientRepository(connection, tenant).add_many(people)
                await connection.commit()
        staff = [
            Practitioner.register(
                tenant_id=tenant,
                details=PractitionerDetails(first_name="Ada", last_name=f"Staff{n}", license_number=f"L{n:06d}"),
                now=NOW,
            )
            for n in range(practitioners)
        ]
        async with database.connect(tenant) as connection:
            await SqlPractitionerRepository(connection, tenant).add_many(staff)
            await connection.commit()
        async with database.connect(None) as connection:
            await connection.execute(sa.text("ANALYZE"))
            await connection.commit()


async def _export(url: str, state_dir: str) -> tuple[float, float, int, int, float, float]:
    from prm.application.fhir_export.kick_off_export import KickOffExport, KickOffExportCommand
    from prm.application.fhir_export.run_export import RunExportJob
    from prm.domain.fhir_export.model import ExportLevel, ExportStatus
    from prm.entrypoints.library import Prm
    from prm.settings import Settings

    settings = Settings.from_mapping({"database_url": url, "log_level": "warning", "state_dir": state_dir})
    async with Prm.open(settings, tenant_id=TENANT) as prm:
        export = await prm.run(
            KickOffExport,
            KickOffExportCommand(
                level=ExportLevel.SYSTEM,
                resource_types=("Patient", "Practitioner"),
                since=None,
                request_url="https://prm.example/api/v1/prm/fhir/$export?_type=Patient,Practitioner",
            ),
        )
        rss_before = _memory_mb("VmRSS")
        _reset_peak_memory()
        started, cpu = time.perf_counter(), time.process_time()
        async with prm.unit() as unit:
            await (await unit.get(RunExportJob))({"export_id": str(export.id)})
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        peak = _memory_mb("VmHWM")
        from prm.application.fhir_export.get_export_status import GetExportStatus

        done = await prm.run(GetExportStatus, export.id)
    if done.status is not ExportStatus.COMPLETED:
        raise RuntimeError(f"the export ended {done.status.value}: {done.error}")
    return elapsed, cpu, done.written, len(done.files), rss_before, peak


def run_fhir_export_bench(*, quick: bool = False) -> FhirExportResult:
    """Seed a fresh PostgreSQL database and time one bulk export (see the module docstring)."""
    patients, practitioners = (2_000, 50) if quick else (100_000, 500)
    with postgres_database() as url, tempfile.TemporaryDirectory(prefix="prm-fhir-export-") as state_dir:
        started = time.perf_counter()
        asyncio.run(_seed(url, patients, practitioners))
        load_s = time.perf_counter() - started
        elapsed, cpu, written, files, rss_before, peak = asyncio.run(_export(url, state_dir))
        size_mb = sum(p.stat().st_size for p in Path(state_dir).rglob("*.ndjson")) / 1e6
    return FhirExportResult(
        patients=patients,
        practitioners=practitioners,
        load_s=round(load_s, 1),
        export_s=round(elapsed, 2),
        export_cpu_s=round(cpu, 2),
        resources_per_s=round(written / elapsed),
        files=files,
        ndjson_mb=round(size_mb, 1),
        rss_before_mb=rss_before,
        peak_rss_mb=peak,
        load_average=round(os.getloadavg()[0], 1),
    )


if __name__ == "__main__":
    print(run_fhir_export_bench(quick=True))
