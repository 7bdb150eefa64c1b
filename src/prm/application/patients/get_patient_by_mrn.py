"""Read one patient by medical record number."""

from prm.application.patients.ports import PatientRepository
from prm.domain.patients.errors import PatientNotFound
from prm.domain.patients.model import Patient


class GetPatientByMrn:
    """One patient by medical record number (exact match); raises ``PatientNotFound`` (404)."""

    def __init__(self, patients: PatientRepository) -> None:
        self._patients = patients

    async def __call__(self, mrn: str) -> Patient:
        patient = await self._patients.get_by_mrn(mrn.strip())
        if patient is None:
            raise PatientNotFound("no patient with this MRN")
        return patient
