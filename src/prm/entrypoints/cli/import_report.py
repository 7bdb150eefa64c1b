"""What ``prm import synthea`` reports on stdout: a line per file read, and the files skipped."""

from dataclasses import dataclass, field
from uuid import UUID

from rich import box
from rich.console import Console
from rich.table import Table

from prm.adapters.inbound.synthea.reader import SkippedFile
from prm.application.shared.imports import BatchOutcome


@dataclass(slots=True)
class FileSummary:
    """What became of one file: its rows, counts, rejections and warnings. ``joined``: read only
    to join another file (``organizations.csv``), so it has no counts of its own."""

    file: str
    rows: int
    seconds: float
    outcome: BatchOutcome
    joined: bool = False

    @property
    def accepted(self) -> int:
        return self.outcome.created + self.outcome.updated + self.outcome.unchanged


@dataclass(slots=True)
class SyntheaImportReport:
    """The whole import: ``exit_code`` (see the module docstring), the tenant, each file read and
    each file skipped."""

    exit_code: int
    tenant_id: UUID | None = None
    tenant_slug: str | None = None
    files: list[FileSummary] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)

    def file(self, name: str) -> FileSummary | None:
        return next((f for f in self.files if f.file == name), None)

    @property
    def rejected(self) -> int:
        return sum(len(f.outcome.rejected) for f in self.files)

    @property
    def warnings(self) -> int:
        return sum(len(f.outcome.warnings) for f in self.files)


def summary(report: SyntheaImportReport) -> Table:
    """The table printed on stdout: the tenant, and a line per file read."""
    tenant = f"{report.tenant_slug} (tenant {report.tenant_id})" if report.tenant_slug else f"tenant {report.tenant_id}"
    table = Table(
        title=f"Synthea import into {tenant}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        collapse_padding=True,
        pad_edge=False,
    )
    headings = ("file", "rows", "created", "updated", "unchanged", "rejected", "warnings", "seconds", "rows/s")
    for heading in headings:
        table.add_column(heading, justify="left" if heading == "file" else "right", no_wrap=True)
    for s in report.files:
        if s.joined:  # read for a join: no counts of its own, and its speed says nothing
            counts, rate = ["–"] * 3, "–"
        else:
            counts = [str(s.outcome.created), str(s.outcome.updated), str(s.outcome.unchanged)]
            rate = f"{s.rows / s.seconds:.0f}" if s.seconds > 0 else "–"
        problems = [str(len(s.outcome.rejected)), str(len(s.outcome.warnings))]
        table.add_row(s.file, str(s.rows), *counts, *problems, f"{s.seconds:.2f}", rate)
    return table


def skipped_lines(report: SyntheaImportReport) -> list[str]:
    """``skipped:`` and a line per file of the folder not imported, and why (files skipped for
    the same reason share a line)."""
    if not report.skipped:
        return []
    by_reason: dict[str, list[str]] = {}
    for skipped in report.skipped:
        by_reason.setdefault(skipped.reason, []).append(skipped.name)
    return ["skipped:"] + [
        f"  {names[0]}: {reason}" if len(names) == 1 else f"  {reason}: {', '.join(names)}"
        for reason, names in by_reason.items()
    ]


def summary_console() -> Console:
    """Standard output for a summary table: a pipe or a file gets the whole table (at least 120
    columns), not rich's default 80."""
    out = Console(highlight=False)
    if not out.is_terminal:
        out.width = max(out.width, 120)
    return out
