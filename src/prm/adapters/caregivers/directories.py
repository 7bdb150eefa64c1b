"""The caregivers context's view of other contexts, through their public application ports
(never their tables): whether a patient exists (patients)."""

from prm.application.caregivers.ports import PatientDirectory
from prm.application.patients.ports import PatientRepository
from prm.domain.shared.ids import PatientId


class PatientDirectoryFromPatients(PatientDirectory):
    """Same unit of work as the caller; no audit event (an existence check)."""

    def __init__(self, patients: PatientRepository) -> None:
        self._patients = patients

    async def exists(self, patient_id: PatientId) -> bool:
        return await self._patients.exists(patient_id)
