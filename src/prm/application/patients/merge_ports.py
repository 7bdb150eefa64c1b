"""Ports of patient merges: the tenant's merge records (what a merge changed, for its undo).

Every implementation is tenant-scoped. The references each context re-points are behind
:class:`prm.application.patients.references.PatientReferences`.
"""

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from prm.application.patients.references import ReferenceChange
from prm.application.shared.paging import Page, PageRequest
from prm.domain.patients.model import Patient
from prm.domain.shared.ids import PatientId


class MergeStatus(StrEnum):
    MERGED = "merged"
    UNDONE = "undone"


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientMergeRecord:
    """One merge of ``source_id`` into ``target_id``.

    - ``merged_by``/``undone_by``: the principal as ``<kind>:<id>`` (``user:…``, ``api_key:…``);
    - ``fields``: the fields the survivor took from the source;
    - ``source_before``/``target_before``: both records exactly as they were (undo writes them
      back, versions included); ``source_version``/``target_version``: their versions right after
      the merge (an undo is refused once either has moved on);
    - ``changes``: per context name, every row the merge changed in it, in order (left empty by
      lists, which show ``counts`` only); ``counts``: how many rows per context.
    """

    id: UUID
    source_id: PatientId
    target_id: PatientId
    status: MergeStatus
    reason: str | None
    fields: tuple[str, ...]
    merged_at: datetime
    merged_by: str
    source_before: Patient
    target_before: Patient
    source_version: int
    target_version: int
    changes: Mapping[str, Sequence[ReferenceChange]]
    counts: Mapping[str, int]
    undone_at: datetime | None = None
    undone_by: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MergeCriteria:
    """``patient_id``: merges whose source or target it is; ``status``: merged or undone."""

    patient_id: PatientId | None = None
    status: MergeStatus | None = None


class PatientMerges(Protocol):
    @abstractmethod
    async def add(self, record: PatientMergeRecord) -> None: ...

    @abstractmethod
    async def get(self, merge_id: UUID) -> PatientMergeRecord | None: ...

    @abstractmethod
    async def mark_undone(self, merge_id: UUID, at: datetime, by: str) -> bool:
        """Mark a ``merged`` record ``undone``; ``False`` when it was not ``merged`` any more."""

    @abstractmethod
    async def find(self, criteria: MergeCriteria, page: PageRequest) -> Page[PatientMergeRecord]:
        """Matching merges, newest first, without their ``changes`` (``counts`` only)."""
