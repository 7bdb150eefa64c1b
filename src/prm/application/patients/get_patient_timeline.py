"""A patient's timeline (``GET /patients/{id}/timeline``): every event about the patient, newest
first, a page at a time, optionally of some kinds only."""

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice

from prm.application.patients.ports import PatientRepository
from prm.application.patients.timeline_ports import TimelineEntry, TimelineKind, TimelinePosition, TimelineSource
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import UnitOfWork
from prm.domain.patients.errors import PatientNotFound, PatientReplaced
from prm.domain.patients.merging import survivor_of
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.ids import PatientId

MAX_TIMELINE_PAGE = 100


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientTimelineQuery:
    """``after``: the cursor of the previous page (``None``: the newest entries); ``kinds``: only
    these kinds (empty: every kind); ``limit``: 1 to :data:`MAX_TIMELINE_PAGE` entries."""

    patient_id: PatientId
    after: TimelinePosition | None = None
    kinds: frozenset[TimelineKind] = frozenset()
    limit: int = 20


@dataclass(frozen=True, slots=True, kw_only=True)
class TimelinePage:
    """Entries newest first; ``next``: where the next page starts (``None``: this is the last)."""

    items: Sequence[TimelineEntry]
    next: TimelinePosition | None


class GetPatientTimeline:
    """The patient's timeline, merged from every context's :class:`TimelineSource`.

    Bounded work: each source wanted is asked once for ``limit + 1`` entries (one statement each)
    and the sorted answers are merged (a k-way merge); the extra entry tells whether a next page
    exists. Raises ``PatientNotFound`` (404), also for other tenants' ids, and
    ``PatientReplaced`` for a merged record (its history is its survivor's now). Records one ``read``
    audit event naming the patient and commits it.
    """

    def __init__(
        self, patients: PatientRepository, sources: Sequence[TimelineSource], audit: AuditTrail, uow: UnitOfWork
    ) -> None:
        self._patients = patients
        self._sources = sources
        self._audit = audit
        self._uow = uow

    async def __call__(self, query: PatientTimelineQuery) -> TimelinePage:
        if not 1 <= query.limit <= MAX_TIMELINE_PAGE:
            raise RuleViolated(f"limit must be between 1 and {MAX_TIMELINE_PAGE}", field="limit")
        patient = await self._patients.get(query.patient_id)
        if patient is None:
            raise PatientNotFound(f"patient {query.patient_id} not found")
        if (survivor := survivor_of(patient)) is not None:
            raise PatientReplaced(f"patient {patient.id} was merged into {survivor}", survivor_id=survivor)
        wanted = [s for s in self._sources if not query.kinds or s.kind in query.kinds]
        answers = [await source.before(patient.id, query.after, query.limit + 1) for source in wanted]
        merged = list(islice(heapq.merge(*answers, key=lambda e: e.key, reverse=True), query.limit + 1))
        items = merged[: query.limit]
        await self._audit.record(AuditAction.READ, "patient", [patient.id])
        await self._uow.commit()
        return TimelinePage(items=items, next=items[-1].position if len(merged) > query.limit else None)
