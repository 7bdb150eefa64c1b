"""Find the duplicates of a whole tenant, writing the worklist (``prm patients find-duplicates``)."""

from collections.abc import Callable
from dataclasses import dataclass

from prm.application.patients.duplicates_ports import DuplicateIndex, ScoredPair
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.patients.duplicates import DEFAULT_MIN_SCORE, compare, score_of, weigh

DEFAULT_BATCH = 20_000
"""Blocking keys per batch of a scan (a patient has four or five)."""


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    """``scanned`` patients, ``compared`` pairs (those blocking proposed), ``found`` pairs scoring
    at least the minimum (open in the worklist now), ``dropped`` open pairs no longer proposed."""

    scanned: int
    compared: int
    found: int
    dropped: int


Progress = Callable[[int, int], None]
"""Called after each batch with (patients scanned so far, patients in all); the scan goes by
blocking keys, so "so far" is the share of keys read, as patients."""


class ScanDuplicates:
    """Compare every pair of the tenant's patients that share a blocking key (each pair once) and
    keep those scoring at least ``min_score`` as ``open`` in the worklist; open pairs this scan no
    longer finds are dropped, decided pairs (not a duplicate) are left as they are.

    One unit of work: the worklist changes at once, when the scan commits. Patients' data is not
    audited as read: nothing is shown (listing the worklist is audited).
    """

    def __init__(self, index: DuplicateIndex, uow: UnitOfWork, clock: Clock) -> None:
        self._index = index
        self._uow = uow
        self._clock = clock

    async def __call__(
        self,
        min_score: float = DEFAULT_MIN_SCORE,
        *,
        batch_size: int = DEFAULT_BATCH,
        progress: Progress | None = None,
    ) -> ScanOutcome:
        found_at = self._clock.now()
        patients, keys = await self._index.count_scan()
        read = compared = found = 0
        cursor: str | None = None
        while True:
            batch = await self._index.blocked(cursor, batch_size)
            if batch.keys == 0:
                break
            read += batch.keys
            cursor = batch.cursor
            pairs: list[ScoredPair] = []
            profiles = batch.profiles
            for a, b in batch.pairs:
                if score_of(weigh(profiles[a], profiles[b])) >= min_score:  # reasons only for those kept
                    result = compare(profiles[a], profiles[b])
                    pairs.append(ScoredPair(a, b, result.score, result.reasons))
            compared += len(batch.pairs)
            found += len(pairs)
            await self._index.save_pairs(pairs, found_at)
            if progress is not None:
                progress(min(patients, patients * read // max(keys, 1)), patients)
        dropped = await self._index.drop_open_pairs_before(found_at)
        await self._uow.commit()
        if progress is not None:
            progress(patients, patients)
        return ScanOutcome(patients, compared, found, dropped)
