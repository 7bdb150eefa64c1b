"""Read one patient by id."""

from prm.application.patients.ports import PatientRepository
from prm.domain.patients.errors import PatientNotFound
from prm.domain.patients.model import Patient
from prm.domain.shared.ids import PatientId


class GetPatient:
    """One patient of the caller's tenant; raises ``PatientNotFound`` (404), also for other tenants' ids."""

    def __init__(self, patients: PatientRepository) -> None:
        self._patients = patients

    async def __call__(self, patient_id: PatientId) -> Patient:
        patient = await self._patients.get(patient_id)
        if patient is None:
            raise PatientNotFound(f"patient {patient_id} not found")
        return patient
