"""The tenant's worklist of possible duplicate pairs."""

from dataclasses import dataclass, field

from prm.application.patients.duplicates_ports import DuplicateIndex, DuplicatePair, PairStatus
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.paging import Page, PageRequest
from prm.application.shared.ports import UnitOfWork
from prm.domain.patients.duplicates import DEFAULT_MIN_SCORE


@dataclass(frozen=True, slots=True, kw_only=True)
class DuplicatePairsQuery:
    """``status`` (default ``open``; ``None``: any), ``min_score`` 0..1, and the page."""

    status: PairStatus | None = PairStatus.OPEN
    min_score: float = DEFAULT_MIN_SCORE
    page: PageRequest = field(default_factory=PageRequest)


class ListDuplicatePairs:
    """Pairs of the worklist (written by ``prm patients find-duplicates``, see
    :class:`~prm.application.patients.scan_duplicates.ScanDuplicates`), best score first.

    Records one ``read`` audit event naming every patient of the page, and commits it.
    """

    def __init__(self, index: DuplicateIndex, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._index = index
        self._audit = audit
        self._uow = uow

    async def __call__(self, query: DuplicatePairsQuery) -> Page[DuplicatePair]:
        page = await self._index.worklist(query.status, query.min_score, query.page)
        ids = list(dict.fromkeys(p for pair in page.items for p in (pair.patient_a.id, pair.patient_b.id)))
        await self._audit.record(AuditAction.READ, "patient", ids)
        await self._uow.commit()
        return page
