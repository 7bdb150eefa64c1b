"""The specialities in use (reference API: ``GET /practitioners/specialities``)."""

from collections.abc import Sequence

from prm.application.practitioners.ports import PractitionerFinder


class ListSpecialities:
    """The distinct specialities of the tenant's practitioners (active or not), as written,
    sorted case- and accent-insensitively; practitioners without one add nothing."""

    def __init__(self, finder: PractitionerFinder) -> None:
        self._finder = finder

    async def __call__(self) -> Sequence[str]:
        return await self._finder.specialities()
