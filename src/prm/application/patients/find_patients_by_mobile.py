"""The patients reachable at one mobile number (reference: HealthSync ``GET /patients/by_mobile``)."""

from prm.application.patients.ports import PatientCriteria, PatientFinder, PatientSummary
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.paging import Page, PageRequest
from prm.application.shared.ports import UnitOfWork
from prm.domain.shared.contact import normalize_phone


class FindPatientsByMobile:
    """Patients with a phone equal to ``phone`` once both are E.164 (``phone`` in any format: a
    number without ``+country`` is read in the tenant's phone region), by family then given name.

    A family may share a phone, so the answer is a page, possibly empty. Raises
    ``InvalidPhoneNumber`` (422, field ``phone``) for text that is not a valid number. Records one
    ``search`` audit event naming the patients of the page and commits.
    """

    def __init__(self, finder: PatientFinder, context: RequestContext, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._finder = finder
        self._context = context
        self._audit = audit
        self._uow = uow

    async def __call__(self, phone: str, page: PageRequest) -> Page[PatientSummary]:
        e164 = normalize_phone(phone, self._context.phone_region, field="phone")
        criteria = PatientCriteria(phone_e164=e164)
        found = await self._finder.find(criteria, page)
        await self._audit.record(AuditAction.SEARCH, "patient", [p.id for p in found.items])
        await self._uow.commit()
        return found
