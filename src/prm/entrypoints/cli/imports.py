"""``prm import synthea DIR``: load a Synthea CSV export folder into PRM, in batches.

Providers (with their organizations) are imported first, as practitioners, then patients, then
(when the folder has ``encounters.csv``) encounters, as past fulfilled appointments linked to
both. Each batch of ``batch_size`` rows is one unit of work. Rows are upserted by their
Synthea ``Id`` (the practitioner's external id, the patient's MRN; an encounter already imported
is left as it is), so running the job again updates or leaves unchanged, never duplicates.

What is said on stderr, one line each, as the rows go by:

- a **rejected** row (unusable: no id, no name, an unreadable birth date, ...), left out:
  ``patients.csv:17: BIRTHDATE: not a date '1990-13-01'``;
- a **warning**: a value of an optional column that could not be used was left out (or kept as
  written), and the row was imported: ``warning: organizations.csv:12: PHONE: not a valid phone
  number in US '871-595-3366': left out; ...``. A row repeating an earlier row's ``Id`` is merged
  into it (counted ``unchanged``) with a warning too.

A bad row never stops the job. If a whole batch fails (a concurrent writer, or a row the database
refuses), its rows are retried one by one so that only the bad row is left out. Names, dates of
birth and addresses are never printed or logged: a report quotes at most the bad value of the
bad column. While the progress bars are live, log lines (structlog's and the standard library's)
go through the bars' console, which prints them above the bars.

stdout gets the summary: the tenant (by slug), a line per file (rows, created, updated,
unchanged, rejected, warnings, speed) and every file of the folder that was skipped, and why.
Exit codes: 0 every row imported (warnings allowed), 1 some rows rejected or a file present that
could not be read (empty, an unknown column layout), 2 nothing imported (no such folder, none of
``patients.csv``, ``providers.csv`` and ``encounters.csv`` readable, every row rejected, a database
without PRM's tables, bad usage).
"""

import asyncio
import gc
import logging
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from time import perf_counter
from typing import Any, TypeVar
from uuid import UUID

import structlog
from rich.console import Console
from rich.file_proxy import FileProxy
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from prm.adapters.inbound.synthea.reader import (
    Organizations,
    OrganizationsFile,
    SyntheaExport,
    SyntheaFormatError,
)
from prm.adapters.sql.failures import RowRefused, SchemaMissing, database_failures_translated
from prm.application.appointments.import_encounters import EncounterRecord, ImportEncounters
from prm.application.identity.ports import TenantRepository
from prm.application.patients.import_patients import ImportPatients, PatientRecord
from prm.application.practitioners.import_practitioners import ImportPractitioners, PractitionerRecord
from prm.application.shared.imports import BatchOutcome, Rejection, ValueWarning
from prm.domain.shared.errors import DomainError
from prm.domain.shared.ids import TenantId
from prm.entrypoints.cli.import_report import FileSummary, SyntheaImportReport, skipped_lines, summary, summary_console
from prm.entrypoints.library import DatabaseNotMigrated, Prm
from prm.entrypoints.logging import configure_logging
from prm.settings import Settings

R = TypeVar("R", PatientRecord, PractitionerRecord, EncounterRecord)

log = structlog.get_logger(__name__)

_PROG = "prm import synthea"
WARNING_PREFIX = "warning: "


async def run_synthea_import(
    settings: Settings,
    folder: str | Path,
    *,
    batch_size: int = 1000,
    tenant_id: UUID | None = None,
    progress: bool = True,
    console: Console | None = None,
    out: Console | None = None,
) -> int:
    """Import the Synthea CSV export in ``folder`` and print the summary; returns the exit code
    (see :func:`import_synthea`, and the module docstring). ``out`` takes the summary (default:
    stdout)."""
    report = await import_synthea(
        settings, folder, batch_size=batch_size, tenant_id=tenant_id, progress=progress, console=console
    )
    if report.files:
        out = out or summary_console()
        out.print(summary(report))
        for line in skipped_lines(report):
            out.print(line, markup=False, highlight=False, emoji=False, soft_wrap=True)
    return report.exit_code


async def import_synthea(
    settings: Settings,
    folder: str | Path,
    *,
    batch_size: int = 1000,
    tenant_id: UUID | None = None,
    progress: bool = True,
    console: Console | None = None,
) -> SyntheaImportReport:
    """Import the Synthea CSV export in ``folder`` for ``tenant_id`` (default: the settings').

    ``batch_size`` is the number of rows per transaction (1 or more). ``progress`` shows a bar per
    file on ``console`` (default: stderr), which also gets each rejection and warning, and usage
    errors. The database must be migrated (``prm db upgrade``). Phones without a country code are
    read in the country of their row when the export says it, else in the tenant's phone region.
    """
    errors = console or Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
    configure_logging(settings)
    if batch_size < 1:
        errors.print(f"{_PROG}: --batch-size must be 1 or more", markup=False, emoji=False)
        return SyntheaImportReport(2)
    try:
        export = SyntheaExport(folder)
    except SyntheaFormatError as exc:
        errors.print(f"{_PROG}: {exc}", markup=False, emoji=False)
        return SyntheaImportReport(2)
    bars = Progress(
        TextColumn("{task.description:<18}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        disable=not progress,
    )
    job = ImportJob(bars, batch_size, in_flight=2 if settings.database_url.startswith("postgresql") else 1)
    report = SyntheaImportReport(0, skipped=export.skipped)
    try:
        async with (
            database_failures_translated(),
            Prm.open(settings, tenant_id=tenant_id or settings.default_tenant_id) as prm,
        ):
            report.tenant_id, report.tenant_slug = prm.context.tenant_id, await tenant_slug_of(prm)
            with bars, logs_through(errors) if progress else no_context(), fewer_collections():
                if export.providers is not None:
                    organizations = None
                    if export.organizations is not None:
                        organizations = job.organizations(export.organizations, prm.context.phone_region)
                    await job.run(
                        prm,
                        ImportPractitioners,
                        export.providers.name,
                        export.providers.count(),
                        export.providers.records(organizations),
                        export.providers.column_of,
                    )
                if export.patients is not None:
                    await job.run(
                        prm,
                        ImportPatients,
                        export.patients.name,
                        export.patients.count(),
                        export.patients.records(),
                        export.patients.column_of,
                    )
                if export.encounters is not None:
                    await job.run(
                        prm,
                        ImportEncounters,
                        export.encounters.name,
                        export.encounters.count(),
                        export.encounters.records(),
                        export.encounters.column_of,
                    )
    except DatabaseNotMigrated as exc:  # found by the library when it opens
        errors.print(f"{_PROG}: {exc}", markup=False, emoji=False)
        return SyntheaImportReport(2, skipped=export.skipped)
    except SchemaMissing as exc:
        errors.print(
            f"{_PROG}: the database has no PRM tables ({exc.reason}): run `prm db upgrade` first",
            markup=False,
            emoji=False,
        )
        return SyntheaImportReport(2, skipped=export.skipped)
    report.files = job.summaries
    report.exit_code = import_exit_code(report)
    return report


def import_exit_code(report: SyntheaImportReport) -> int:
    """0 all imported, 1 some rows rejected or a file unreadable, 2 nothing imported (the
    module docstring's exit codes)."""
    troubled = report.rejected > 0 or any(s.unreadable for s in report.skipped)
    if not troubled:
        return 0
    return 1 if any(f.accepted for f in report.files if not f.joined) else 2


async def tenant_slug_of(prm: Prm) -> str | None:
    """The slug of the tenant ``prm`` works in (``None`` if it has none), for the summary's title."""
    async with prm.unit() as unit:
        tenants = await unit.get(TenantRepository)
        found = await tenants.get(TenantId(prm.context.tenant_id))
    return found.slug if found else None


class ImportJob:
    """Runs an import's batches (``in_flight`` of them overlapping on PostgreSQL) with a progress
    bar per file, and keeps a :class:`FileSummary` per file in ``summaries``."""

    def __init__(self, bars: Progress, batch_size: int, in_flight: int = 1) -> None:
        self._bars = bars
        self._batch_size = batch_size
        self._depth = in_flight
        self.summaries: list[FileSummary] = []

    def organizations(self, source: OrganizationsFile, region: str) -> Organizations:
        started = perf_counter()
        found = source.read(region)
        reports: list[Rejection | ValueWarning] = [*found.rejections, *found.warnings]
        for item in sorted(reports, key=lambda r: r.source.line):
            self.report(item)
        outcome = BatchOutcome(rejected=found.rejections, warnings=found.warnings)
        self._done(FileSummary(source.name, found.rows, perf_counter() - started, outcome, joined=True))
        return found

    def _done(self, summary: FileSummary) -> None:
        """Keep ``summary`` and log it (counts only): a warning when rows were rejected or values left out."""
        self.summaries.append(summary)
        outcome = summary.outcome
        (log.warning if outcome.rejected or outcome.warnings else log.info)(
            "synthea_file.imported",
            file=summary.file,
            rows=summary.rows,
            created=outcome.created,
            updated=outcome.updated,
            unchanged=outcome.unchanged,
            rejected=len(outcome.rejected),
            warnings=len(outcome.warnings),
        )

    async def run(
        self,
        prm: Prm,
        use_case: type[Any],
        name: str,
        total: int,
        items: Iterable[R | Rejection | ValueWarning],
        column_of: Callable[[Any], Any],
    ) -> None:
        """Import ``items`` in batches, reporting each rejection and warning as it comes.

        On PostgreSQL two batches are in flight at once, each in its own unit of work, so that one
        batch's Python work overlaps the other's wait for the database; they are settled in order,
        so reports are still in file order. (A row whose MRN a concurrent batch takes first makes
        its batch fail and be retried row by row: nothing is lost or duplicated.)
        """
        started = perf_counter()
        task = self._bars.add_task(name, total=total)
        outcome = BatchOutcome()
        rows = 0
        in_flight: deque[tuple[asyncio.Task[BatchOutcome], int]] = deque()

        async def settle() -> None:
            pending, consumed = in_flight.popleft()
            result: BatchOutcome = await pending
            result.rejected[:] = [column_of(r) for r in result.rejected]
            result.warnings[:] = [column_of(w) for w in result.warnings]
            reports: list[Rejection | ValueWarning] = [*result.rejected, *result.warnings]
            for item in sorted(reports, key=lambda r: r.source.line):
                self.report(item)
            outcome.merge(result)
            self._bars.advance(task, consumed)

        for batch, consumed in _batches(items, self._batch_size, outcome, self.report):
            rows += consumed
            if not batch:
                self._bars.advance(task, consumed)
                continue
            in_flight.append((asyncio.create_task(self._import(prm, use_case, batch)), consumed))
            if len(in_flight) >= self._depth:
                await settle()
        while in_flight:
            await settle()
        self._bars.update(task, total=rows, completed=rows)
        self._done(FileSummary(name, rows, perf_counter() - started, outcome))

    async def _import(self, prm: Prm, use_case: type[Any], batch: Sequence[R]) -> BatchOutcome:
        try:
            return await _unit(prm, use_case, batch)
        except (DomainError, RowRefused):
            pass  # a concurrent writer, or a row the database refuses: find the row by retrying one by one
        outcome = BatchOutcome()
        for record in batch:
            try:
                outcome.merge(await _unit(prm, use_case, [record]))
            except DomainError as exc:
                outcome.rejected.append(Rejection(record.source, getattr(exc, "field", None), exc.detail))
            except RowRefused as exc:
                # The driver's first line names the constraint or type, never the row's values.
                outcome.rejected.append(Rejection(record.source, None, f"the database refused the row: {exc.reason}"))
        return outcome

    def report(self, item: Rejection | ValueWarning) -> None:
        """One line on the console: ``[warning: ]file:line: field: message``, never wrapped (so it
        stays one line to grep), nothing rendered for a quiet console."""
        console = self._bars.console
        if console.quiet:
            return
        prefix = WARNING_PREFIX if isinstance(item, ValueWarning) else ""
        # Plain text ("csv:100:" is no 💯), not wrapped: rich's wrapping cost 0.4 ms a line.
        console.print(f"{prefix}{item}", markup=False, highlight=False, emoji=False, soft_wrap=True)


async def _unit(prm: Prm, use_case: type[Any], records: Sequence[R]) -> BatchOutcome:
    async with database_failures_translated():
        outcome: BatchOutcome = await prm.run(use_case, records)
    return outcome


def _batches(
    items: Iterable[R | Rejection | ValueWarning],
    size: int,
    outcome: BatchOutcome,
    report: Callable[[Rejection | ValueWarning], None],
) -> Iterator[tuple[list[R], int]]:
    """Batches of up to ``size`` records with the number of rows consumed for each. Rejections,
    the records' warnings, and rows merged into an earlier one (a bare warning: counted
    ``unchanged``) met on the way are reported and added to ``outcome``."""
    batch: list[R] = []
    consumed = 0
    for item in items:
        consumed += 1
        if isinstance(item, Rejection):
            report(item)
            outcome.rejected.append(item)
            continue
        if isinstance(item, ValueWarning):
            report(item)
            outcome.warnings.append(item)
            outcome.unchanged += 1
            continue
        for warning in item.warnings:
            report(warning)
            outcome.warnings.append(warning)
        batch.append(item)
        if len(batch) >= size:
            yield batch, consumed
            batch, consumed = [], 0
    if batch or consumed:
        yield batch, consumed


BATCH_GC_THRESHOLD = 50_000
"""Allocations between the garbage collector's young collections during an import (Python's
default is 700)."""


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Inside the block, the garbage collector runs its young collections every
    :data:`BATCH_GC_THRESHOLD` allocations instead of 700: an import allocates millions of
    short-lived objects (rows, dicts, ids) next to a large live set, and with the default it
    spent a quarter of its time collecting (measured on the 1,144-patient FHIR set). Memory
    still goes back: reference counting frees what is not in a cycle at once."""
    before = gc.get_threshold()
    gc.set_threshold(BATCH_GC_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


@contextmanager
def no_context() -> Iterator[None]:
    """A block that changes nothing (the logs' place when no progress bar is shown)."""
    yield


@contextmanager
def logs_through(console: Console) -> Iterator[None]:
    """While the bars are live, send log lines through ``console``, which prints them above the
    bars instead of tearing them: structlog's (PRM's own lines, which ``configure_logging``
    writes straight to stderr) and the standard library's stream handlers on stderr."""
    proxy = FileProxy(console, console.file)
    factory = structlog.get_config()["logger_factory"]
    structlog.configure(logger_factory=structlog.WriteLoggerFactory(file=proxy))  # type: ignore[arg-type]
    terminals = {id(console.file), id(sys.__stderr__), id(getattr(sys.stderr, "rich_proxied_file", sys.stderr))}
    handlers = [
        h
        for h in logging.getLogger().handlers
        if type(h) is logging.StreamHandler and id(getattr(h.stream, "rich_proxied_file", h.stream)) in terminals
    ]
    streams = [h.setStream(proxy) for h in handlers]
    try:
        yield
    finally:
        for handler, stream in zip(handlers, streams, strict=True):
            handler.setStream(stream)
        structlog.configure(logger_factory=factory)
        proxy.flush()
