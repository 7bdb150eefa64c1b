"""Mark two patients as two people: the pair is never proposed again."""

from prm.application.patients.duplicates_ports import DuplicateIndex, PairStatus, ScoredPair
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.patients.duplicates import compare
from prm.domain.patients.errors import PatientNotFound
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.ids import PatientId

ENTITY = "patient_duplicate"


class MarkNotDuplicate:
    """Record that ``first`` and ``second`` are not one person (in either order), with the score
    and reasons as they compare now, the time and the caller. Marking again changes nothing but
    the time and the caller.

    Raises ``RuleViolated`` (422) for a patient paired with itself and ``PatientNotFound`` (404)
    when either id is not the caller's tenant's. Audited: one ``update`` event per patient, field
    ``duplicate_status``.
    """

    def __init__(
        self, index: DuplicateIndex, audit: AuditTrail, uow: UnitOfWork, clock: Clock, context: RequestContext
    ) -> None:
        self._index = index
        self._audit = audit
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, first: PatientId, second: PatientId) -> ScoredPair:
        if first == second:
            raise RuleViolated("a patient cannot be paired with itself", field="patient_b")
        records = [await self._index.record(p) for p in (first, second)]
        a, b = sorted((first, second))
        for patient_id, record in zip((first, second), records, strict=True):
            if record is None:
                raise PatientNotFound(f"patient {patient_id} not found")
        one, other = (r for r in records if r is not None)
        result = compare(one.profile, other.profile)
        pair = ScoredPair(a, b, result.score, result.reasons)
        principal = self._context.principal
        await self._index.mark(
            pair, PairStatus.NOT_DUPLICATE, self._clock.now(), f"{principal.kind.value}:{principal.id or '-'}"
        )
        await self._audit.record(AuditAction.UPDATE, "patient", [a, b], ["duplicate_status"])
        await self._uow.commit()
        return pair
