"""The dropdown list of the reference API (``GET /practitioners/simple``)."""

from collections.abc import Sequence
from dataclasses import dataclass

from prm.application.practitioners.list_practitioners import criteria_for
from prm.application.practitioners.ports import PractitionerFinder, PractitionerSummary

SIMPLE_LIST_LIMIT = 1000
"""Most practitioners the simple list returns: it feeds dropdowns and is not paginated."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ListPractitionersSimpleQuery:
    speciality: str | None = None
    active_only: bool = True


class ListPractitionersSimple:
    """Id, display name (``"Dr. John Smith"``), speciality and status of the tenant's
    practitioners, active ones only by default, ordered by last then first name.

    Returns at most ``SIMPLE_LIST_LIMIT`` (1000) entries, the first ones in that order; use the
    paginated list beyond that.
    """

    def __init__(self, finder: PractitionerFinder) -> None:
        self._finder = finder

    async def __call__(self, query: ListPractitionersSimpleQuery) -> Sequence[PractitionerSummary]:
        criteria = criteria_for(speciality=query.speciality, is_active=True if query.active_only else None)
        return await self._finder.summaries(criteria, SIMPLE_LIST_LIMIT)
