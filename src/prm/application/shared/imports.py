"""Bookkeeping shared by batch imports: where a row came from, and what happened to a batch.

A row is *rejected* (:class:`Rejection`) only when it cannot be used at all: no id, no name, an
unreadable birth date and the like. A value that is wrong in an optional field does not cost the
row: the value is left out (or kept as written where the record has room for that) and the row
imports with a :class:`ValueWarning` naming the field.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A row of a source file: file name and 1-based line number (the header is line 1)."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row left out, with the field at fault (when one is) and why."""

    source: SourceRef
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = f" {self.field}:" if self.field else ""
        return f"{self.source}:{where} {self.reason}"


@dataclass(frozen=True, slots=True)
class ValueWarning:
    """A value of a row that was not taken as it is; the row itself was imported (or, for a row
    that only repeats an earlier one, merged into it). ``reason`` says what was done instead:
    ``left out``, ``kept as written``, ..."""

    source: SourceRef
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = f" {self.field}:" if self.field else ""
        return f"{self.source}:{where} {self.reason}"


@dataclass(slots=True)
class BatchOutcome:
    """Counts of one or more batches; ``merge`` adds another outcome into this one."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[ValueWarning] = field(default_factory=list)

    def merge(self, other: "BatchOutcome") -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejected.extend(other.rejected)
        self.warnings.extend(other.warnings)
