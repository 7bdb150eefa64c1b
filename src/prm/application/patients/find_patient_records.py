"""Patients matching search criteria as whole records (the FHIR Patient search renders every
element, more than a :class:`PatientSummary` holds)."""

from dataclasses import dataclass, field
from datetime import date

from prm.application.patients.find_patients import FindPatients, FindPatientsQuery
from prm.application.patients.list_patients import ListPatients, ListPatientsQuery
from prm.application.patients.ports import PatientRepository
from prm.application.shared.paging import Page, PageRequest
from prm.domain.patients.model import Patient
from prm.domain.shared.person import AdministrativeGender


@dataclass(frozen=True, slots=True, kw_only=True)
class FindPatientRecordsQuery:
    """Every given criterion must hold (see :class:`FindPatientsQuery`); none lists every patient."""

    name: str | None = None
    family: str | None = None
    given: str | None = None
    birth_date: date | None = None
    phone: str | None = None
    email: str | None = None
    identifier: str | None = None
    gender: AdministrativeGender | None = None
    page: PageRequest = field(default_factory=PageRequest)


class FindPatientRecords:
    """A page of matching patients (the order and ``total`` of :class:`FindPatients`), loaded as
    aggregates in one more query by MRN. The search is audited (one ``search`` event naming the
    page's patients) and committed by :class:`FindPatients` / :class:`ListPatients`; raises
    ``RuleViolated`` (422) for a phone of fewer than 3 digits."""

    def __init__(self, find: FindPatients, list_all: ListPatients, patients: PatientRepository) -> None:
        self._find = find
        self._list_all = list_all
        self._patients = patients

    async def __call__(self, query: FindPatientRecordsQuery) -> Page[Patient]:
        criteria = (
            query.name,
            query.family,
            query.given,
            query.birth_date,
            query.phone,
            query.email,
            query.identifier,
            query.gender,
        )
        if all(c in (None, "") for c in criteria):
            page = await self._list_all(ListPatientsQuery(page=query.page))
        else:
            page = await self._find(
                FindPatientsQuery(
                    name=query.name,
                    family=query.family,
                    given=query.given,
                    birth_date=query.birth_date,
                    phone=query.phone,
                    email=query.email,
                    identifier=query.identifier,
                    gender=query.gender,
                    page=query.page,
                )
            )
        by_mrn = await self._patients.get_many_by_mrn([s.mrn for s in page.items])
        records = [by_mrn[s.mrn] for s in page.items if s.mrn in by_mrn]
        return Page(records, page.total, page.page, page.page_size, page.total_exact)
