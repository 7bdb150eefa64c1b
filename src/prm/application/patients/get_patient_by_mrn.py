"""Read one patient by medical record number."""

from prm.application.patients.ports import PatientRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import UnitOfWork
from prm.domain.patients.errors import PatientNotFound
from prm.domain.patients.model import Patient


class GetPatientByMrn:
    """One patient by medical record number (exact match); raises ``PatientNotFound`` (404).
    Records a ``read`` audit event and commits it."""

    def __init__(self, patients: PatientRepository, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._patients = patients
        self._audit = audit
        self._uow = uow

    async def __call__(self, mrn: str) -> Patient:
        patient = await self._patients.get_by_mrn(mrn.strip())
        if patient is None:
            raise PatientNotFound("no patient with this MRN")
        await self._audit.record(AuditAction.READ, "patient", [patient.id])
        await self._uow.commit()
        return patient
