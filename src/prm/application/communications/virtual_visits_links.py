"""The reminders part's way to the join link of a virtual appointment."""

from uuid import UUID

from prm.application.communications.virtual_visits_ports import JoinLinks, VirtualVisits
from prm.application.communications.virtual_visits_scheduling import EnsureVirtualVisit
from prm.domain.communications.virtual_visits import Participant, VisitStatus


class VirtualVisitLinks(VirtualVisits):
    """:meth:`join_url` of :class:`VirtualVisits`: the patient's PRM link (never the provider's:
    PRM re-checks the visit at every click, so a cancelled appointment's link answers 410)."""

    def __init__(self, ensure: EnsureVirtualVisit, links: JoinLinks) -> None:
        self._ensure = ensure
        self._links = links

    async def join_url(self, appointment_id: UUID) -> str | None:
        visit = await self._ensure(appointment_id)
        if visit is None or visit.status is not VisitStatus.SCHEDULED:
            return None
        return self._links.url(visit.tenant_id, visit.id, Participant.PATIENT)
