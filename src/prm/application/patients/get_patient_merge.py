"""Read one merge record (``GET /patients/merges/{id}``)."""

from uuid import UUID

from prm.application.patients.merge_patients import ENTITY
from prm.application.patients.merge_ports import PatientMergeRecord, PatientMerges
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import UnitOfWork
from prm.domain.patients.merging import PatientMergeNotFound


class GetPatientMerge:
    """The merge record, with its per-context counts; ``PatientMergeNotFound`` (404) otherwise.
    Audited as a read of the merge and of both patients (it holds their previous records)."""

    def __init__(self, merges: PatientMerges, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._merges = merges
        self._audit = audit
        self._uow = uow

    async def __call__(self, merge_id: UUID) -> PatientMergeRecord:
        record = await self._merges.get(merge_id)
        if record is None:
            raise PatientMergeNotFound(f"merge {merge_id} not found")
        await self._audit.record(AuditAction.READ, ENTITY, [record.id, record.source_id, record.target_id])
        await self._uow.commit()
        return record
