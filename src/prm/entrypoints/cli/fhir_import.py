"""``prm import fhir PATH`` (issue 14): load FHIR R4 Bundles (``*.json``) and Bulk Data NDJSON
(``*.ndjson``) into PRM, in batches: Patients and Practitioners (see
:mod:`prm.adapters.fhir.transaction_import` for how each is read and what it is upserted by).

It works like ``prm import synthea`` (and shares its batching, retries and progress bars): each
batch of ``--batch-size`` records is one transaction; upserts make a second run create nothing
(``unchanged``); a bad resource is reported on stderr with its place and left out
(``Patient.000.ndjson:17: Patient.birthDate: birthDate is not a calendar date``; in a Bundle
``bundle.json:entry:3: ...``), a value PRM cannot use in an optional element (a made-up phone) is
left out with a ``warning:`` line. Resource types PRM does not keep (Encounter, Observation ...)
are counted in the summary, not imported. Names, birth dates and addresses are never printed.

Exit codes: 0 every Patient and Practitioner imported (warnings allowed), 1 some rejected or a
file could not be read, 2 nothing imported (no such path, no FHIR file, every record rejected, a
database without PRM's tables, bad usage).
"""

import argparse
import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from prm.adapters.fhir.patient_in import fhir_expression
from prm.adapters.fhir.transaction_import import FhirPathError, fhir_files, read_fhir_file
from prm.adapters.inbound.synthea.reader import SkippedFile
from prm.adapters.sql.failures import SchemaMissing, database_failures_translated
from prm.application.patients.import_patients import ImportPatients
from prm.application.practitioners.import_practitioners import ImportPractitioners
from prm.application.shared.imports import Rejection, ValueWarning
from prm.entrypoints.cli.admin import tenant_id_of
from prm.entrypoints.cli.import_report import SyntheaImportReport, skipped_lines, summary, summary_console
from prm.entrypoints.cli.imports import (
    ImportJob,
    fewer_collections,
    import_exit_code,
    logs_through,
    no_context,
    tenant_slug_of,
)
from prm.entrypoints.library import DatabaseNotMigrated, Prm
from prm.entrypoints.logging import configure_logging
from prm.settings import Settings

_PROG = "prm import fhir"


@dataclass(slots=True)
class FhirImportReport:
    """The import: ``exit_code``, the per-file (and per-kind) summaries in the shape of the
    Synthea import's, and the resources read but not kept, by type."""

    report: SyntheaImportReport
    not_kept: Counter[str] = field(default_factory=Counter)

    @property
    def exit_code(self) -> int:
        return self.report.exit_code


def _in_fhir_terms(kind: str) -> Callable[[Rejection | ValueWarning], Rejection | ValueWarning]:
    """What turns a use case's report into FHIR terms: its field as a FHIRPath of ``kind``
    (``birth_date`` → ``Patient.birthDate``)."""

    def place(item: Rejection | ValueWarning) -> Rejection | ValueWarning:
        path = fhir_expression(item.field, kind) if item.field and not item.field[:1].isupper() else item.field
        return type(item)(item.source, path, item.reason)

    return place


async def import_fhir(
    settings: Settings,
    path: str | Path,
    *,
    batch_size: int = 1000,
    tenant_id: UUID | None = None,
    progress: bool = True,
    console: Console | None = None,
) -> FhirImportReport:
    """Import the FHIR files at ``path`` for ``tenant_id`` (default: the settings'); see the
    module docstring. ``console`` (default stderr) gets the bars, rejections and warnings."""
    errors = console or Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
    configure_logging(settings)
    if batch_size < 1:
        errors.print(f"{_PROG}: --batch-size must be 1 or more", markup=False, emoji=False)
        return FhirImportReport(SyntheaImportReport(2))
    try:
        files = fhir_files(path)
    except FhirPathError as exc:
        errors.print(f"{_PROG}: {exc}", markup=False, emoji=False)
        return FhirImportReport(SyntheaImportReport(2))
    bars = Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        disable=not progress,
    )
    job = ImportJob(bars, batch_size, in_flight=2 if settings.database_url.startswith("postgresql") else 1)
    result = FhirImportReport(SyntheaImportReport(0))
    try:
        async with (
            database_failures_translated(),
            Prm.open(settings, tenant_id=tenant_id or settings.default_tenant_id) as prm,
        ):
            result.report.tenant_id, result.report.tenant_slug = prm.context.tenant_id, await tenant_slug_of(prm)
            with bars, logs_through(errors) if progress else no_context(), fewer_collections():
                for file in files:
                    content = read_fhir_file(file)
                    if content.unreadable:
                        result.report.skipped.append(SkippedFile(content.name, content.unreadable, unreadable=True))
                        errors.print(f"{content.name}: {content.unreadable}", markup=False, emoji=False)
                        continue
                    if content.not_fhir:
                        result.report.skipped.append(SkippedFile(content.name, "not a FHIR resource or Bundle"))
                        continue
                    result.not_kept.update(content.others)
                    name = content.name if len(content.name) <= 30 else f"…{content.name[-29:]}"
                    if content.practitioners:
                        await job.run(
                            prm,
                            ImportPractitioners,
                            f"{name} Practitioner",
                            len(content.practitioners),
                            content.practitioners,
                            _in_fhir_terms("Practitioner"),
                        )
                    if content.patients:
                        await job.run(
                            prm,
                            ImportPatients,
                            f"{name} Patient",
                            len(content.patients),
                            content.patients,
                            _in_fhir_terms("Patient"),
                        )
    except DatabaseNotMigrated as exc:
        errors.print(f"{_PROG}: {exc}", markup=False, emoji=False)
        return FhirImportReport(SyntheaImportReport(2))
    except SchemaMissing as exc:
        errors.print(f"{_PROG}: the database has no PRM tables ({exc.reason}): run `prm db upgrade` first")
        return FhirImportReport(SyntheaImportReport(2))
    result.report.files = job.summaries
    if not job.summaries and not result.report.skipped:
        result.report.exit_code = 2
    else:
        result.report.exit_code = import_exit_code(result.report) if job.summaries else 2
    return result


async def run_fhir_import(
    settings: Settings,
    path: str | Path,
    *,
    batch_size: int = 1000,
    tenant_id: UUID | None = None,
    progress: bool = True,
    console: Console | None = None,
    out: Console | None = None,
) -> int:
    """Import and print the summary on ``out`` (default stdout); returns the exit code."""
    result = await import_fhir(
        settings, path, batch_size=batch_size, tenant_id=tenant_id, progress=progress, console=console
    )
    if result.report.files or result.report.skipped:
        out = out or summary_console()
        table = summary(result.report)
        tenant = result.report.tenant_slug or f"tenant {result.report.tenant_id}"
        table.title = f"FHIR import into {tenant}"
        out.print(table)
        if result.not_kept:
            kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(result.not_kept.items()))
            out.print(f"not kept by PRM (read, not imported): {kinds}", markup=False, highlight=False, soft_wrap=True)
        for line in skipped_lines(result.report):
            out.print(line, markup=False, highlight=False, emoji=False, soft_wrap=True)
    return result.exit_code


def add_fhir_import(sources: Any, settings: Callable[[], Any]) -> None:
    """Register ``prm import fhir`` on the ``prm import`` sub-parsers ``sources``."""
    parser = sources.add_parser(
        "fhir",
        help="FHIR R4 Bundles (*.json) and Bulk Data NDJSON (*.ndjson): patients, practitioners",
        description="Load FHIR R4 files: Patient and Practitioner resources of Bundles (*.json, such as\n"
        "Synthea's per-patient Bundles) and of Bulk Data NDJSON (*.ndjson), upserted by their\n"
        "MRN identifier (else id) and external id (else id): running it again never duplicates.",
        epilog="""\
stderr, as the resources go by:
  Patient.000.ndjson:17: Patient.birthDate: birthDate is not a calendar date
      a rejected resource (NDJSON: file:line; Bundles: file:entry:index), left out
  warning: bundle.json:entry:0: Patient.telecom[0]: not a valid phone number ...: left out
      a value PRM cannot use left out, the resource imported
stdout: the tenant, a line per file and kind (rows, created, updated, unchanged, rejected,
warnings), the resource types read but not kept (Encounter, Observation ...), files skipped.

exit codes:
  0  every Patient and Practitioner imported (warnings allowed)
  1  some rejected, or a file could not be read
  2  nothing imported: no such path, no FHIR file, every record rejected, a database without
     PRM's tables, bad usage
""",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("path", help="a .json / .ndjson file, or a folder of them")
    parser.add_argument("--batch-size", type=int, default=1000, help="resources per transaction (default 1000)")
    parser.add_argument("--tenant", help="tenant slug or id (default PRM_DEFAULT_TENANT_ID)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(args: argparse.Namespace) -> int:
        current = settings()
        tenant_id = asyncio.run(tenant_id_of(current, args.tenant)) if args.tenant else None
        if tenant_id is None and args.tenant:
            return 2
        return asyncio.run(
            run_fhir_import(
                current, args.path, batch_size=args.batch_size, tenant_id=tenant_id, progress=not args.no_progress
            )
        )

    parser.set_defaults(handler=handle)
