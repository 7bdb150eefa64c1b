"""Import every Synthea CSV set of a folder into a fresh US and a fresh GB tenant, and tabulate.

    .venv/bin/python scripts/check_synthea_sets.py                       # ../shared/data/synthea_csv, SQLite
    .venv/bin/python scripts/check_synthea_sets.py DIR --database-url postgresql+psycopg://postgres@127.0.0.1/prm_check

Each sub-folder of DIR that holds a Synthea file (``patients.csv``, ``providers.csv`` or
``encounters.csv``) is a set. For each set and each phone region (US, GB) the script creates a
tenant of its own (slug ``check-<set>-<region>-<random>``), runs ``prm import synthea`` into it
(the same code, without progress bars), and prints one line: the tenant, what the tenant holds
afterwards (patients, practitioners, and encounters as appointments out of the rows of
``encounters.csv``), the rows rejected and the warnings. The database (default: a new SQLite file
in a temporary folder) is migrated to the latest revision first; give a PostgreSQL database that
exists. Exits 1 when a set lost anything (a rejected row or an encounter that is not an
appointment), else 0.
"""

import argparse
import asyncio
import csv
import io
import secrets
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from rich import box
from rich.console import Console
from rich.table import Table

from prm.adapters.sql import migrate
from prm.application.appointments.list_appointments import ListAppointments
from prm.application.appointments.ports import AppointmentCriteria
from prm.application.identity.create_tenant import CreateTenant, CreateTenantCommand
from prm.application.patients.list_patients import ListPatients, ListPatientsQuery
from prm.application.practitioners.list_practitioners import ListPractitioners, ListPractitionersQuery
from prm.application.shared.paging import PageRequest
from prm.domain.shared.ids import TenantId
from prm.entrypoints.cli.imports import import_synthea
from prm.entrypoints.library import Prm
from prm.entrypoints.logging import configure_logging
from prm.settings import Settings

DEFAULT_FOLDER = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "synthea_csv"
REGIONS = ("US", "GB")
_MARKERS = ("patients.csv", "providers.csv", "encounters.csv")


@dataclass(frozen=True, slots=True)
class Check:
    set: str
    tenant: str
    patients: int
    practitioners: int
    appointments: int
    encounter_rows: int
    rejected: int
    warnings: int
    exit_code: int

    @property
    def lost(self) -> bool:
        return self.rejected > 0 or self.appointments != self.encounter_rows


def sets_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and any((p / m).exists() for m in _MARKERS))


def data_rows(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open(newline="", encoding="utf-8-sig") as file:
        return max(sum(1 for _ in csv.reader(file)) - 1, 0)


async def new_tenant(settings: Settings, name: str, region: str) -> tuple[UUID, str]:
    short = "-".join(name.lower().replace("-", "_").split("_")[:2])  # set_A_unmc_crane_111pt: set-a
    slug = f"check-{short}-{region.lower()}-{secrets.token_hex(3)}"
    async with Prm.open(settings) as prm:
        tenant = await prm.run(
            CreateTenant, CreateTenantCommand(name=f"Synthea check {name} {region}", slug=slug, phone_region=region)
        )
    return UUID(str(tenant.id)), slug


async def holdings(settings: Settings, tenant_id: UUID) -> tuple[int, int, int]:
    async with Prm.open(settings, tenant_id=tenant_id) as prm:
        patients = await prm.run(ListPatients, ListPatientsQuery(page=PageRequest(1, 1)))
        practitioners = await prm.run(ListPractitioners, ListPractitionersQuery(page=PageRequest(1, 1)))
        appointments = await prm.run(ListAppointments, AppointmentCriteria(), PageRequest(1, 1))
    return int(patients.total), int(practitioners.total), int(appointments.total)


async def check(settings: Settings, folder: Path, region: str) -> Check:
    tenant_id, slug = await new_tenant(settings, folder.name, region)
    quiet = Console(file=io.StringIO())  # the rows' reports: the table below counts them
    report = await import_synthea(settings, folder, tenant_id=TenantId(tenant_id), progress=False, console=quiet)
    patients, practitioners, appointments = await holdings(settings, tenant_id)
    return Check(
        set=folder.name,
        tenant=f"{region} {slug}",
        patients=patients,
        practitioners=practitioners,
        appointments=appointments,
        encounter_rows=data_rows(folder / "encounters.csv"),
        rejected=report.rejected,
        warnings=report.warnings,
        exit_code=report.exit_code,
    )


def table(checks: list[Check], database: str) -> Table:
    out = Table(title=f"Synthea sets imported on {database}", title_justify="left", box=box.SIMPLE_HEAD)
    for heading in ("set", "tenant", "patients", "practitioners", "encounters", "rejected", "warnings", "exit"):
        out.add_column(heading, justify="left" if heading in {"set", "tenant"} else "right", no_wrap=True)
    for c in checks:
        encounters = f"{c.appointments}/{c.encounter_rows}" if c.encounter_rows else "– (no file)"
        out.add_row(
            c.set,
            c.tenant,
            str(c.patients),
            str(c.practitioners),
            encounters,
            str(c.rejected),
            str(c.warnings),
            str(c.exit_code),
        )
    return out


async def run(folder: Path, database_url: str) -> list[Check]:
    settings = Settings(database_url=database_url, env="test", log_level="error")
    configure_logging(settings)
    checks: list[Check] = []
    for synthea_set in sets_in(folder):
        for region in REGIONS:
            checks.append(await check(settings, synthea_set, region))
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER, help="folder of Synthea sets")
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary folder")
    args = parser.parse_args(argv)
    folder: Path = args.folder.resolve()
    if not folder.is_dir() or not sets_in(folder):
        print(f"check_synthea_sets: {folder}: no folder of Synthea sets", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="prm-synthea-check-") as scratch:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(scratch) / 'check.sqlite3'}"
        migrate.upgrade(url)
        checks = asyncio.run(run(folder, url))
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = max(console.width, 150)
    console.print(table(checks, database))
    return 1 if any(c.lost for c in checks) else 0


if __name__ == "__main__":
    sys.exit(main())
