"""``prm patients …``: batch jobs over a tenant's patients.

``prm patients find-duplicates --tenant SLUG|ID [--min-score 0.8] [--batch-size 20000] [--no-progress]``
compares every patient with its blocked candidates and writes the worklist that
``GET /api/v1/prm/patients/duplicates`` lists (see
:class:`~prm.application.patients.scan_duplicates.ScanDuplicates`). A progress bar goes to
stderr; stdout gets one summary line (counts and speed, never a name). Exit codes: 0 done, 2 the
tenant or the database could not be used, or bad usage.
"""

import argparse
import asyncio
from collections.abc import Callable
from time import perf_counter
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from prm.application.patients.scan_duplicates import DEFAULT_BATCH, ScanDuplicates
from prm.domain.patients.duplicates import DEFAULT_MIN_SCORE
from prm.domain.shared.errors import DomainError
from prm.entrypoints.library import DatabaseNotMigrated, Prm
from prm.settings import Settings

_PROG = "prm patients find-duplicates"


def _score(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("a score is between 0 and 1")
    return value


def _batch(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError("a batch size is a whole number, 1 or more")
    return int(text)


def add_patients_command(commands: Any, settings: Callable[..., Any]) -> None:
    """Add ``prm patients`` to ``commands`` (the top parser's sub-parsers)."""
    patients = commands.add_parser("patients", help="batch jobs over a tenant's patients")
    jobs = patients.add_subparsers(dest="job", required=True, metavar="JOB")
    find = jobs.add_parser(
        "find-duplicates",
        help="score every patient against its blocked candidates and write the duplicate worklist",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    find.add_argument("--tenant", required=True, help="tenant slug or id")
    find.add_argument(
        "--min-score", type=_score, default=DEFAULT_MIN_SCORE, help=f"lowest score kept (default {DEFAULT_MIN_SCORE})"
    )
    find.add_argument("--batch-size", type=_batch, default=DEFAULT_BATCH, help="blocking keys read per batch")
    find.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handler(args: argparse.Namespace) -> int:
        return asyncio.run(
            find_duplicates(
                settings(),
                args.tenant,
                min_score=args.min_score,
                batch_size=args.batch_size,
                progress=not args.no_progress,
            )
        )

    find.set_defaults(handler=handler)


async def find_duplicates(
    settings: Settings,
    tenant: str,
    *,
    min_score: float = DEFAULT_MIN_SCORE,
    batch_size: int = DEFAULT_BATCH,
    progress: bool = True,
    console: Console | None = None,
    out: Console | None = None,
) -> int:
    """Run the scan for ``tenant`` (slug or id) and print the summary on ``out`` (default stdout);
    returns the exit code (see the module docstring). ``console`` (default stderr) gets the bar
    and the errors."""
    errors = console or Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
    out = out or Console(highlight=False, soft_wrap=True)
    bar = Progress(
        TextColumn("{task.description:<18}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        disable=not progress,
    )
    started = perf_counter()
    try:
        async with Prm.open(settings, tenant=tenant) as prm:
            with bar:
                task = bar.add_task("patients", total=None)

                def advance(scanned: int, total: int) -> None:
                    bar.update(task, completed=scanned, total=total)

                outcome = await prm.run(ScanDuplicates, min_score, batch_size=batch_size, progress=advance)
    except DatabaseNotMigrated as exc:
        errors.print(f"{_PROG}: {exc}", markup=False)
        return 2
    except DomainError as exc:  # no such tenant
        errors.print(f"{_PROG}: {exc.detail}", markup=False)
        return 2
    seconds = perf_counter() - started
    rate = outcome.scanned / seconds if seconds > 0 else 0.0
    out.print(
        f"tenant {tenant}: {outcome.scanned} patients scanned, {outcome.compared} pairs compared, "
        f"{outcome.found} pairs with score >= {min_score} in the worklist, {outcome.dropped} no longer proposed; "
        f"{seconds:.1f} s ({rate:,.0f} patients/s)",
        markup=False,
        soft_wrap=True,
    )
    return 0
