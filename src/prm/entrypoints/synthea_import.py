"""``prm import synthea DIR``: load a Synthea CSV export folder into PRM, in batches.

Providers (with their organizations) are imported first, as practitioners, then patients, then
(when the folder has ``encounters.csv``) encounters, as past fulfilled appointments linked to
both. Each batch of ``batch_size`` rows is one unit of work. Rows are upserted by their
Synthea ``Id`` (the practitioner's external id, the patient's MRN; an encounter already imported
is left as it is), so running the job again updates or leaves unchanged, never duplicates. A bad
row never stops the job: it is reported on stderr as
``patients.csv:17: BIRTHDATE: not a date '1990-13-01'`` and the rest goes on. If a whole batch
fails (a concurrent writer, or a row the database refuses), its rows are retried one by one so
that only the bad row is left out. Names, dates of birth and addresses are never printed or
logged: a report quotes at most the bad value of the bad column.

stderr gets the progress bars (``rich``), the rejected rows and errors; stdout gets the summary
table. Exit codes: 0 done, 1 done with rejected rows, 2 nothing done (no such folder, no
``patients.csv`` nor ``providers.csv``, a header without a required column, a database without
PRM's tables).
"""

import asyncio
import logging
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import Any, TypeVar
from uuid import UUID

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError, ProgrammingError

from prm.adapters.synthea.reader import Organizations, OrganizationsFile, SyntheaExport, SyntheaFormatError
from prm.application.appointments.import_encounters import EncounterRecord, ImportEncounters
from prm.application.patients.import_patients import ImportPatients, PatientRecord
from prm.application.practitioners.import_practitioners import ImportPractitioners, PractitionerRecord
from prm.application.shared.imports import BatchOutcome, Rejection
from prm.domain.shared.errors import DomainError
from prm.entrypoints.library import Prm
from prm.entrypoints.logging import configure_logging
from prm.settings import Settings

R = TypeVar("R", PatientRecord, PractitionerRecord, EncounterRecord)

_PROG = "prm import synthea"
_UNDEFINED_TABLE = "42P01"  # PostgreSQL SQLSTATE undefined_table


class _NotMigratedError(Exception):
    pass


@dataclass(slots=True)
class _FileSummary:
    file: str
    rows: int
    seconds: float
    outcome: BatchOutcome | None  # None: a file read for a join, nothing imported from it
    skipped: int


async def run_synthea_import(
    settings: Settings,
    folder: str | Path,
    *,
    batch_size: int = 1000,
    tenant_id: UUID | None = None,
    progress: bool = True,
) -> int:
    """Import the Synthea CSV export in ``folder`` for ``tenant_id`` (default: the settings').

    ``batch_size`` is the number of rows per transaction (1 or more). ``progress`` shows a bar per
    file on stderr. The database must be migrated (``prm db upgrade``). Returns the exit code:
    0 done, 1 done with rejected rows, 2 nothing imported (see the module docstring).
    """
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    configure_logging(settings)
    if batch_size < 1:
        errors.print(f"{_PROG}: --batch-size must be 1 or more", markup=False)
        return 2
    try:
        export = SyntheaExport(folder)
    except SyntheaFormatError as exc:
        errors.print(f"{_PROG}: {exc}", markup=False)
        return 2
    bars = Progress(
        TextColumn("{task.description:<18}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        disable=not progress,
    )
    job = _Job(bars, batch_size, in_flight=2 if settings.database_url.startswith("postgresql") else 1)
    try:
        async with Prm.open(settings, tenant_id=tenant_id) as prm:
            with bars, _logging_above_bars():
                if export.providers is not None:
                    organizations = job.organizations(export.organizations) if export.organizations else None
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
            tenant = prm.context.tenant_id
    except _NotMigratedError as exc:
        errors.print(f"{_PROG}: the database has no PRM tables ({exc}): run `prm db upgrade` first", markup=False)
        return 2
    out = Console(highlight=False)
    if not out.is_terminal:  # a pipe or file gets the whole table, not rich's default 80 columns
        out.width = max(out.width, 120)
    out.print(_summary_table(job.summaries, tenant))
    return 1 if any(s.skipped for s in job.summaries) else 0


class _Job:
    def __init__(self, bars: Progress, batch_size: int, in_flight: int = 1) -> None:
        self._bars = bars
        self._batch_size = batch_size
        self._depth = in_flight
        self.summaries: list[_FileSummary] = []

    def organizations(self, source: OrganizationsFile) -> Organizations:
        started = perf_counter()
        found = source.read()
        for rejection in found.rejections:
            self._report(rejection)
        self.summaries.append(
            _FileSummary(source.name, found.rows, perf_counter() - started, None, len(found.rejections))
        )
        return found

    async def run(
        self,
        prm: Prm,
        use_case: type[Any],
        name: str,
        total: int,
        items: Iterable[R | Rejection],
        column_of: Callable[[Rejection], Rejection],
    ) -> None:
        """Import ``items`` in batches, reporting each rejection as it comes.

        On PostgreSQL two batches are in flight at once, each in its own unit of work, so that one
        batch's Python work overlaps the other's wait for the database; they are settled in order,
        so rejections are still reported in file order. (A row whose MRN a concurrent batch takes
        first makes its batch fail and be retried row by row: nothing is lost or duplicated.)
        """
        started = perf_counter()
        task = self._bars.add_task(name, total=total)
        outcome = BatchOutcome()
        rows = 0
        in_flight: deque[tuple[asyncio.Task[BatchOutcome], int]] = deque()

        async def settle() -> None:
            pending, consumed = in_flight.popleft()
            result = await pending
            result.rejected[:] = [column_of(r) for r in result.rejected]
            for rejection in result.rejected:
                self._report(rejection)
            outcome.merge(result)
            self._bars.advance(task, consumed)

        for batch, consumed in _batches(items, self._batch_size, outcome.rejected, self._report):
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
        self.summaries.append(_FileSummary(name, rows, perf_counter() - started, outcome, len(outcome.rejected)))

    async def _import(self, prm: Prm, use_case: type[Any], batch: Sequence[R]) -> BatchOutcome:
        try:
            return await _unit(prm, use_case, batch)
        except (DomainError, IntegrityError, DataError):
            pass  # a concurrent writer, or a row the database refuses: find the row by retrying one by one
        outcome = BatchOutcome()
        for record in batch:
            try:
                outcome.merge(await _unit(prm, use_case, [record]))
            except DomainError as exc:
                outcome.rejected.append(Rejection(record.source, getattr(exc, "field", None), exc.detail))
            except (IntegrityError, DataError) as exc:
                # The driver's first line names the constraint or type, never the row's values.
                outcome.rejected.append(
                    Rejection(record.source, None, f"the database refused the row: {_first_line(exc.orig)}")
                )
        return outcome

    def _report(self, rejection: Rejection) -> None:
        self._bars.console.print(str(rejection), markup=False)


async def _unit(prm: Prm, use_case: type[Any], records: Sequence[R]) -> BatchOutcome:
    try:
        outcome: BatchOutcome = await prm.run(use_case, records)
    except (OperationalError, ProgrammingError) as exc:
        if _is_missing_table(exc):
            raise _NotMigratedError(_first_line(exc.orig)) from exc
        raise
    return outcome


def _batches(
    items: Iterable[R | Rejection], size: int, rejected: list[Rejection], report: Callable[[Rejection], None]
) -> Iterator[tuple[list[R], int]]:
    """Batches of up to ``size`` records with the number of rows consumed for each; rejections
    met on the way are reported and appended to ``rejected``."""
    batch: list[R] = []
    consumed = 0
    for item in items:
        consumed += 1
        if isinstance(item, Rejection):
            report(item)
            rejected.append(item)
            continue
        batch.append(item)
        if len(batch) >= size:
            yield batch, consumed
            batch, consumed = [], 0
    if batch or consumed:
        yield batch, consumed


def _is_missing_table(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == _UNDEFINED_TABLE or "no such table" in str(exc.orig)


def _first_line(error: BaseException | None) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


@contextmanager
def _logging_above_bars() -> Iterator[None]:
    """While the bars are live, send the log handlers that write to stderr through rich's stderr
    proxy, so that log lines print above the bars instead of tearing them."""
    proxied = getattr(sys.stderr, "rich_proxied_file", None)
    handlers = [
        h
        for h in logging.getLogger().handlers
        if proxied is not None and isinstance(h, logging.StreamHandler) and h.stream is proxied
    ]
    for handler in handlers:
        handler.setStream(sys.stderr)
    try:
        yield
    finally:
        for handler in handlers:
            handler.setStream(proxied)


def _summary_table(summaries: Sequence[_FileSummary], tenant: UUID) -> Table:
    table = Table(
        title=f"Synthea import, tenant {tenant}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        collapse_padding=True,
        pad_edge=False,
    )
    for heading in ("file", "rows", "created", "updated", "unchanged", "skipped", "seconds", "rows/s"):
        table.add_column(heading, justify="left" if heading == "file" else "right", no_wrap=True)
    for s in summaries:
        if s.outcome is None:  # read for a join: no counts of its own, and its speed says nothing
            counts, rate = ["–"] * 3, "–"
        else:
            counts = [str(s.outcome.created), str(s.outcome.updated), str(s.outcome.unchanged)]
            rate = f"{s.rows / s.seconds:.0f}" if s.seconds > 0 else "–"
        table.add_row(s.file, str(s.rows), *counts, str(s.skipped), f"{s.seconds:.2f}", rate)
    return table
