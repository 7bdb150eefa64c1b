"""Ports of duplicate detection (issue 13, "Duplicates").

The :class:`DuplicateIndex` (a SQL adapter) does the *blocking*: it finds, by the patients'
blocking keys, the few records a patient is to be compared with, and keeps the worklist of
scored pairs. The use cases score with ``prm.domain.patients.duplicates.compare``.
"""

from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from prm.application.patients.ports import PatientSummary
from prm.application.shared.paging import Page, PageRequest
from prm.domain.patients.duplicates import FieldMatch, MatchProfile
from prm.domain.shared.ids import PatientId

MAX_CANDIDATES = 200
"""The most records one patient is compared with (the best-blocked first: a key shared by many
records, such as a clinic's placeholder phone, must not make one look-up read the tenant)."""


class PairStatus(StrEnum):
    """Where a pair of the worklist stands."""

    OPEN = "open"
    """Proposed, not yet decided."""
    NOT_DUPLICATE = "not_duplicate"
    """Two people: never proposed again."""
    MERGED = "merged"
    """One of the two was merged (into the other or elsewhere)."""


@dataclass(frozen=True, slots=True)
class MatchRecord:
    """A patient as duplicate detection sees it: the list view and the comparison profile."""

    summary: PatientSummary
    profile: MatchProfile


@dataclass(frozen=True, slots=True)
class DuplicateCandidate:
    """A record that may be the same person as the one asked about: ``score`` 0..1, the reasons
    per field (see ``prm.domain.patients.duplicates``)."""

    patient: PatientSummary
    score: float
    reasons: tuple[FieldMatch, ...]


@dataclass(frozen=True, slots=True)
class ScoredPair:
    """A pair to keep in the worklist, ``patient_a < patient_b`` (UUID order)."""

    patient_a: PatientId
    patient_b: PatientId
    score: float
    reasons: tuple[FieldMatch, ...]


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    """A worklist entry: both patients, the score and reasons as found at ``found_at`` (UTC), the
    status and, once decided, when and by whom (an actor id, never a name)."""

    patient_a: PatientSummary
    patient_b: PatientSummary
    score: float
    reasons: tuple[FieldMatch, ...]
    status: PairStatus
    found_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None


MAX_BLOCK = 1000
"""A blocking key shared by more patients than this is left out of a scan: it cannot tell people
apart (a clinic's placeholder phone, a shared family email) and would make a quadratic number of
pairs. The patients still meet through their other keys."""


@dataclass(frozen=True, slots=True)
class BlockedBatch:
    """One batch of a tenant-wide scan, which goes through the blocking keys in order: ``keys``
    read (0 at the end), the ``cursor`` to give for the next batch, the ``pairs`` (lower id
    first) of patients sharing a key of the batch, each pair once over the whole scan (at the
    smallest key the two share) and none decided, and the profiles of the patients they name."""

    keys: int
    cursor: str | None
    pairs: Sequence[tuple[PatientId, PatientId]]
    profiles: dict[PatientId, MatchProfile]


class DuplicateIndex(Protocol):
    """Blocking and the worklist, tenant-scoped. Merged patients are never candidates, and pairs
    marked not a duplicate are never proposed."""

    @abstractmethod
    async def record(self, patient_id: PatientId) -> MatchRecord | None:
        """The patient's record, or ``None`` when the tenant has no such patient."""

    @abstractmethod
    async def candidates(self, patient_id: PatientId, limit: int = MAX_CANDIDATES) -> Sequence[MatchRecord]:
        """Records sharing a blocking key with the patient: not itself, not merged, not marked
        not a duplicate of it; at most ``limit``."""

    @abstractmethod
    async def blocked(self, cursor: str | None, batch_size: int) -> BlockedBatch:
        """The next batch of a scan, about ``batch_size`` keys after ``cursor`` (``None``: the
        first); see :class:`BlockedBatch`."""

    @abstractmethod
    async def count_scan(self) -> tuple[int, int]:
        """(patients, blocking keys) a scan goes over (merged patients have no keys)."""

    @abstractmethod
    async def save_pairs(self, pairs: Sequence[ScoredPair], found_at: datetime) -> None:
        """Keep ``pairs`` as ``open`` (replacing the score and reasons of an open pair); a pair
        already decided is left as it is."""

    @abstractmethod
    async def drop_open_pairs_before(self, found_at: datetime) -> int:
        """Delete open pairs found before ``found_at`` (those a new scan no longer proposes);
        returns how many."""

    @abstractmethod
    async def worklist(self, status: PairStatus | None, min_score: float, page: PageRequest) -> Page[DuplicatePair]:
        """Pairs of ``status`` (any when ``None``) scoring at least ``min_score``, best first. An
        ``open`` pair one of whose patients has since been merged shows as ``merged``."""

    @abstractmethod
    async def mark(
        self,
        pair: ScoredPair,
        status: PairStatus,
        decided_at: datetime,
        decided_by: str,
    ) -> None:
        """Record the decision on ``pair`` (created when the worklist did not hold it)."""
