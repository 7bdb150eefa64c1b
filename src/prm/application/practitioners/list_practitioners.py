"""The practitioner list of the reference API (``GET /practitioners``)."""

from dataclasses import dataclass, field

from prm.application.practitioners.ports import PractitionerCriteria, PractitionerFinder
from prm.application.shared.paging import Page, PageRequest
from prm.domain.practitioners.model import Practitioner
from prm.domain.shared.text import fold, tokens


@dataclass(frozen=True, slots=True, kw_only=True)
class ListPractitionersQuery:
    """``search``: name prefixes (``"jo smi"``); ``speciality``: the whole speciality, any case
    or accent; ``is_active``: ``None`` for both."""

    page: PageRequest = field(default_factory=PageRequest)
    search: str | None = None
    speciality: str | None = None
    is_active: bool | None = None


def criteria_for(
    *, search: str | None = None, speciality: str | None = None, is_active: bool | None = None
) -> PractitionerCriteria:
    """The finder's criteria for what a user typed: ``search`` split into folded tokens (a search
    without letters or digits filters nothing), ``speciality`` folded (blank: no filter)."""
    return PractitionerCriteria(
        name_prefixes=tuple(tokens(search)) if search else (),
        speciality=fold(speciality.strip()) if speciality and speciality.strip() else None,
        is_active=is_active,
    )


class ListPractitioners:
    """A page of the tenant's practitioners, ordered by last name, then first name, then id.

    ``search`` matches every typed word against the start of a first, middle or last name,
    ignoring case and accents (``"avila"`` finds Ávila).
    """

    def __init__(self, finder: PractitionerFinder) -> None:
        self._finder = finder

    async def __call__(self, query: ListPractitionersQuery) -> Page[Practitioner]:
        criteria = criteria_for(search=query.search, speciality=query.speciality, is_active=query.is_active)
        return await self._finder.find(criteria, query.page)
