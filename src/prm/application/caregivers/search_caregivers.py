"""A patient's caregivers found by name, a page at a time (``GET /fhir/RelatedPerson?patient=``)."""

from dataclasses import dataclass, field

from prm.application.caregivers.add_caregiver import ENTITY
from prm.application.caregivers.ports import CaregiverRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.paging import Page, PageRequest
from prm.application.shared.ports import UnitOfWork
from prm.domain.caregivers.model import Caregiver
from prm.domain.shared.ids import PatientId
from prm.domain.shared.text import prefixes_all_found, tokens


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchCaregiversQuery:
    """``name``: every word of it starts a given or family name (any case or accent)."""

    patient_id: PatientId
    name: str | None = None
    page: PageRequest = field(default_factory=PageRequest)


class SearchCaregivers:
    """The caregivers of one patient of the tenant (in the order they were added, at most
    :data:`~prm.application.caregivers.ports.MAX_CAREGIVERS`) whose name matches, one page of
    them; an unknown patient, or another tenant's, has none. Records one ``search`` audit event
    naming the caregivers of the page, as ``ListCaregivers`` does, and commits it."""

    def __init__(self, caregivers: CaregiverRepository, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._caregivers = caregivers
        self._audit = audit
        self._uow = uow

    async def __call__(self, query: SearchCaregiversQuery) -> Page[Caregiver]:
        found = list(await self._caregivers.of_patient(query.patient_id))
        words = tokens(query.name) if query.name else []
        if words:
            found = [c for c in found if prefixes_all_found(c.details.name.search_tokens(), words)]
        start = query.page.offset
        items = found[start : start + query.page.page_size]
        await self._audit.record(AuditAction.SEARCH, ENTITY, [c.id for c in items])
        await self._uow.commit()
        return Page(items, len(found), query.page.page, query.page.page_size)
