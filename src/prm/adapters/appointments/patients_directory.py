"""The appointments context's directory of patients, read through the patients context's public
application port (``PatientRepository``), never its tables."""

from collections.abc import Iterable

from prm.application.appointments.ports import PatientDirectory
from prm.application.patients.ports import PatientRepository
from prm.domain.shared.ids import PatientId


class PatientDirectoryFromPatients(PatientDirectory):
    """Appointments' view of the tenant's patients: whether one exists, ids by MRN."""

    def __init__(self, patients: PatientRepository) -> None:
        self._patients = patients

    async def exists(self, patient_id: PatientId) -> bool:
        return await self._patients.exists(patient_id)

    async def ids_by_mrn(self, mrns: Iterable[str]) -> dict[str, PatientId]:
        return {mrn: patient.id for mrn, patient in (await self._patients.get_many_by_mrn(mrns)).items()}
