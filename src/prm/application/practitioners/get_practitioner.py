"""Read one practitioner by id."""

from prm.application.practitioners.ports import PractitionerRepository
from prm.domain.practitioners.errors import PractitionerNotFound
from prm.domain.practitioners.model import Practitioner
from prm.domain.shared.ids import PractitionerId


class GetPractitioner:
    """One practitioner of the caller's tenant; raises ``PractitionerNotFound`` (404), also for
    other tenants' ids."""

    def __init__(self, practitioners: PractitionerRepository) -> None:
        self._practitioners = practitioners

    async def __call__(self, practitioner_id: PractitionerId) -> Practitioner:
        practitioner = await self._practitioners.get(practitioner_id)
        if practitioner is None:
            raise PractitionerNotFound(f"practitioner {practitioner_id} not found")
        return practitioner
