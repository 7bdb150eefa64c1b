"""Opening the visit of a virtual appointment on demand (staff, or an appointment booked before
the worker handled its event)."""

from uuid import UUID

from prm.application.communications.virtual_visits_ports import JoinLinks
from prm.application.communications.virtual_visits_queries import VirtualVisitView, view_of
from prm.application.communications.virtual_visits_scheduling import EnsureVirtualVisit
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import UnitOfWork
from prm.domain.shared.errors import RuleViolated


class OpenVirtualVisit:
    """The visit of ``appointment_id``, created if it is missing (idempotent: the same visit every
    time). Raises ``RuleViolated`` naming ``appointment_id`` (422) when the tenant has no booked
    virtual appointment with that id (unknown, in person, or not booked)."""

    def __init__(self, ensure: EnsureVirtualVisit, links: JoinLinks, uow: UnitOfWork, context: RequestContext) -> None:
        self._ensure = ensure
        self._links = links
        self._uow = uow
        self._context = context

    async def __call__(self, appointment_id: UUID) -> VirtualVisitView:
        visit = await self._ensure(appointment_id)
        if visit is None:
            raise RuleViolated(
                "appointment_id names no booked virtual appointment (appointment_type VR, virtual, video, "
                "telehealth or telemedicine)",
                field="appointment_id",
            )
        await self._uow.commit()
        return view_of(visit, self._links, self._context)
