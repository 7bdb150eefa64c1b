"""The appointments context's directory of practitioners, read through the practitioners context's
public application API (``PractitionerRepository``, ``PractitionerFinder``, ``criteria_for``), never
its tables."""

from collections.abc import Iterable, Sequence

from prm.application.appointments.ports import PractitionerDirectory, PractitionerInfo
from prm.application.practitioners.list_practitioners import criteria_for
from prm.application.practitioners.ports import PractitionerFinder, PractitionerRepository
from prm.domain.shared.ids import PractitionerId
from prm.domain.shared.text import fold


class PractitionerDirectoryFromPractitioners(PractitionerDirectory):
    """Appointments' view of the tenant's practitioners: name, speciality and status, ids by external id."""

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
