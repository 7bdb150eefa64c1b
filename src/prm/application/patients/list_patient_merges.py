"""List the tenant's merges (``GET /patients/merges``)."""

from dataclasses import dataclass

from prm.application.patients.merge_ports import MergeCriteria, PatientMergeRecord, PatientMerges
from prm.application.shared.paging import Page, PageRequest


@dataclass(frozen=True, slots=True, kw_only=True)
class ListPatientMergesQuery:
    criteria: MergeCriteria
    page: PageRequest


class ListPatientMerges:
    """Merges newest first, by patient (source or target) and status, with counts, not changes."""

    def __init__(self, merges: PatientMerges) -> None:
        self._merges = merges

    async def __call__(self, query: ListPatientMergesQuery) -> Page[PatientMergeRecord]:
        return await self._merges.find(query.criteria, query.page)
