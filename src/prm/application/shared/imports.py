"""Bookkeeping shared by batch imports: where a row came from, and what happened to a batch."""

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


@dataclass(slots=True)
class BatchOutcome:
    """Counts of one or more batches; ``merge`` adds another outcome into this one."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    def merge(self, other: "BatchOutcome") -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejected.extend(other.rejected)
