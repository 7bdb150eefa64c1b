"""Reading virtual visits: one, or a page of them by appointment or patient. Join links (which
are credentials) only for callers who may write communications."""

from dataclasses import dataclass

from prm.application.communications.virtual_visits_ports import (
    JoinLinks,
    VirtualVisitRepository,
    VisitFilter,
)
from prm.application.shared.context import RequestContext
from prm.application.shared.paging import Page, PageRequest
from prm.domain.communications.virtual_visits import (
    Participant,
    VirtualVisit,
    VirtualVisitId,
    VirtualVisitNotFound,
)

LINKS_PERMISSION = "communications:write"


@dataclass(frozen=True, slots=True, kw_only=True)
class VirtualVisitView:
    """A visit and, for callers with ``communications:write``, its PRM join links (else ``None``)."""

    visit: VirtualVisit
    patient_join_url: str | None = None
    practitioner_join_url: str | None = None


def view_of(visit: VirtualVisit, links: JoinLinks, context: RequestContext) -> VirtualVisitView:
    if LINKS_PERMISSION not in context.principal.permissions:
        return VirtualVisitView(visit=visit)
    return VirtualVisitView(
        visit=visit,
        patient_join_url=links.url(visit.tenant_id, visit.id, Participant.PATIENT),
        practitioner_join_url=links.url(visit.tenant_id, visit.id, Participant.PRACTITIONER),
    )


class GetVirtualVisit:
    """One visit of the tenant; ``VirtualVisitNotFound`` (404), also for other tenants' ids."""

    def __init__(self, visits: VirtualVisitRepository, links: JoinLinks, context: RequestContext) -> None:
        self._visits = visits
        self._links = links
        self._context = context

    async def __call__(self, visit_id: VirtualVisitId) -> VirtualVisitView:
        visit = await self._visits.get(visit_id)
        if visit is None:
            raise VirtualVisitNotFound(f"virtual visit {visit_id} not found")
        return view_of(visit, self._links, self._context)


class ListVirtualVisits:
    """The tenant's visits, newest first, of one appointment and/or one patient."""

    def __init__(self, visits: VirtualVisitRepository, links: JoinLinks, context: RequestContext) -> None:
        self._visits = visits
        self._links = links
        self._context = context

    async def __call__(self, where: VisitFilter, page: PageRequest) -> Page[VirtualVisitView]:
        result = await self._visits.list(where, page)
        return result.map(lambda visit: view_of(visit, self._links, self._context))
