"""Read one patient by id."""

from prm.application.patients.ports import PatientRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import UnitOfWork
from prm.domain.patients.errors import PatientNotFound
from prm.domain.patients.model import Patient
from prm.domain.shared.ids import PatientId


class GetPatient:
    """One patient of the caller's tenant; raises ``PatientNotFound`` (404), also for other tenants' ids.

    Records a ``read`` audit event and commits it (a read of a patient record is audited).
    """

    def __init__(self, patients: PatientRepository, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._patients = patients
        self._audit = audit
        self._uow = uow

    async def __call__(self, patient_id: PatientId) -> Patient:
        patient = await self._patients.get(patient_id)
        if patient is None:
            raise PatientNotFound(f"patient {patient_id} not found")
        await self._audit.record(AuditAction.READ, "patient", [patient.id])
        await self._uow.commit()
        return patient
