"""The records that may be the same person as one patient (the reference API's
``GET /patients/{id}/duplicates``)."""

from prm.application.patients.duplicates_ports import DuplicateCandidate, DuplicateIndex
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import UnitOfWork
from prm.domain.patients.duplicates import DEFAULT_MIN_SCORE, compare
from prm.domain.patients.errors import PatientNotFound
from prm.domain.patients.model import PatientStatus
from prm.domain.shared.ids import PatientId


class FindPatientDuplicates:
    """Candidates scoring at least ``min_score`` (0..1, default
    ``prm.domain.patients.duplicates.DEFAULT_MIN_SCORE``), best first, with the reasons per field.

    Only records sharing a blocking key are compared (see ``DuplicateIndex.candidates``); a merged
    patient has no candidates, and is never one. Raises ``PatientNotFound`` (404) for an id that
    is not the caller's tenant's. Records one ``read`` audit event naming the patient and every
    candidate shown (their demographics are PHI), and commits it.
    """

    def __init__(self, index: DuplicateIndex, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._index = index
        self._audit = audit
        self._uow = uow

    async def __call__(self, patient_id: PatientId, min_score: float = DEFAULT_MIN_SCORE) -> list[DuplicateCandidate]:
        record = await self._index.record(patient_id)
        if record is None:
            raise PatientNotFound(f"patient {patient_id} not found")
        found: list[DuplicateCandidate] = []
        if record.summary.status is not PatientStatus.MERGED:
            for other in await self._index.candidates(patient_id):
                result = compare(record.profile, other.profile)
                if result.score >= min_score:
                    found.append(DuplicateCandidate(other.summary, result.score, result.reasons))
        found.sort(key=lambda c: (-c.score, str(c.patient.id)))
        await self._audit.record(AuditAction.READ, "patient", [patient_id, *(c.patient.id for c in found)])
        await self._uow.commit()
        return found
