"""The patient list of the reference API (``GET /patients``)."""

from dataclasses import dataclass, field

from prm.application.patients.ports import PatientCriteria, PatientFinder, PatientSummary
from prm.application.patients.text_match import free_text
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.paging import Page, PageRequest
from prm.application.shared.ports import UnitOfWork
from prm.domain.patients.model import PatientStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class ListPatientsQuery:
    page: PageRequest = field(default_factory=PageRequest)
    search: str | None = None
    status: PatientStatus | None = None


class ListPatients:
    """A page of the tenant's patients, optionally filtered by free text (name, phone, email or
    MRN) and status, ordered by family then given name. Records one ``search`` audit event naming
    every patient listed (with no id when none is) and commits."""

    def __init__(self, finder: PatientFinder, context: RequestContext, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._finder = finder
        self._context = context
        self._audit = audit
        self._uow = uow

    async def __call__(self, query: ListPatientsQuery) -> Page[PatientSummary]:
        text = free_text(query.search, self._context.phone_region) if query.search and query.search.strip() else None
        page = await self._finder.find(PatientCriteria(text=text, status=query.status), query.page)
        await self._audit.record(AuditAction.SEARCH, "patient", [p.id for p in page.items])
        await self._uow.commit()
        return page
