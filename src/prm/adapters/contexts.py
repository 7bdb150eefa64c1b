"""Adapters that connect two contexts: appointments' view of patients and practitioners.

They read through the other contexts' public repositories and finders (their application
ports), never their tables.
"""

from collections.abc import Iterable, Sequence

from prm.application.appointments.ports import PatientDirectory, PractitionerDirectory, PractitionerInfo
from prm.application.patients.ports import PatientRepository
from prm.application.practitioners.list_practitioners import criteria_for
from prm.application.practitioners.ports import PractitionerFinder, PractitionerRepository
from prm.domain.shared.ids import PatientId, PractitionerId
from prm.domain.shared.text import fold


class PatientDirectoryFromPatients(PatientDirectory):
    def __init__(self, patients: PatientRepository) -> None:
        self._patients = patients

    async def exists(self, patient_id: PatientId) -> bool:
        return await self._patients.exists(patient_id)

    async def ids_by_mrn(self, mrns: Iterable[str]) -> dict[str, PatientId]:
        return {mrn: patient.id for mrn, patient in (await self._patients.get_many_by_mrn(mrns)).items()}


class PractitionerDirectoryFromPractitioners(PractitionerDirectory):
    def __init__(self, practitioners: PractitionerRepository, finder: PractitionerFinder) -> None:
        self._practitioners = practitioners
        self._finder = finder

    async def get(self, practitioner_id: PractitionerId) -> PractitionerInfo | None:
        found = await self._practitioners.get(practitioner_id)
        if found is None:
            return None
        speciality = found.details.speciality
        return PractitionerInfo(
            id=found.id,
            name=found.name,
            speciality=speciality,
            speciality_key=fold(speciality) if speciality else None,
            is_active=found.is_active,
        )

    async def exists(self, practitioner_id: PractitionerId) -> bool:
        return await self._practitioners.exists(practitioner_id)

    async def with_speciality(self, speciality: str) -> Sequence[PractitionerInfo]:
        summaries = await self._finder.summaries(criteria_for(speciality=speciality, is_active=True), 1000)
        return [
            PractitionerInfo(
                id=s.id,
                name=s.name,
                speciality=s.speciality,
                speciality_key=fold(s.speciality) if s.speciality else None,
                is_active=s.is_active,
            )
            for s in summaries
        ]

    async def ids_by_external_id(self, external_ids: Iterable[str]) -> dict[str, PractitionerId]:
        found = await self._practitioners.get_many_by_external_id(external_ids)
        return {key: p.id for key, p in found.items()}
