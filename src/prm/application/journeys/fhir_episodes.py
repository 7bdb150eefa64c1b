"""Journey instances searched as FHIR R4 EpisodeOfCare resources are (``GET /fhir/EpisodeOfCare``):
the REST list's filters plus the journey type, each instance with its journey's name and type."""

from dataclasses import dataclass, field
from uuid import UUID

from prm.application.journeys.instances_manage import InstanceView
from prm.application.journeys.ports import (
    InstanceCriteria,
    JourneyCriteria,
    JourneyFinder,
    JourneyInstanceFinder,
    JourneyRepository,
)
from prm.application.journeys.recorder import INSTANCE_ENTITY
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.paging import MAX_PAGE_SIZE, Page, PageRequest
from prm.application.shared.ports import UnitOfWork
from prm.domain.journeys.ids import JourneyId
from prm.domain.journeys.instances import InstanceStatus, JourneyInstance
from prm.domain.journeys.model import Journey
from prm.domain.shared.ids import PatientId


@dataclass(frozen=True, slots=True, kw_only=True)
class EpisodeSearchQuery:
    """Every criterion given must hold. ``statuses``: any of them (empty: any status);
    ``journey_type``: the instances of any of the tenant's journeys of that type."""

    page: PageRequest = field(default_factory=PageRequest)
    patient_id: PatientId | None = None
    statuses: frozenset[InstanceStatus] = frozenset()
    organization_id: UUID | None = None
    journey_id: JourneyId | None = None
    journey_type: str | None = None


class SearchJourneyInstanceViews:
    """A page of instances, most recently started first, each with its journey's name and type.

    ``journey_type`` finds the instances of every journey of the tenant of that type (nothing
    when it has none). Records one ``search`` audit event naming the instances found, as the
    REST list does."""

    def __init__(
        self,
        finder: JourneyInstanceFinder,
        journeys: JourneyRepository,
        journey_finder: JourneyFinder,
        audit: AuditTrail,
        uow: UnitOfWork,
    ) -> None:
        self._finder = finder
        self._journeys = journeys
        self._journey_finder = journey_finder
        self._audit = audit
        self._uow = uow

    async def __call__(self, query: EpisodeSearchQuery) -> Page[InstanceView]:
        journey_ids: frozenset[JourneyId] = frozenset()
        if query.journey_type is not None:
            journey_ids = await self._journeys_of_type(query.journey_type)
        page: Page[JourneyInstance] = Page([], 0, query.page.page, query.page.page_size)
        if query.journey_type is None or journey_ids:
            criteria = InstanceCriteria(
                patient_id=query.patient_id,
                journey_id=query.journey_id,
                journey_ids=journey_ids,
                statuses=query.statuses,
                organization_id=query.organization_id,
            )
            page = await self._finder.find(criteria, query.page)
        journeys: dict[JourneyId, Journey | None] = {}
        for instance in page.items:
            if instance.journey_id not in journeys:
                journeys[instance.journey_id] = await self._journeys.get(instance.journey_id)
        await self._audit.record(AuditAction.SEARCH, INSTANCE_ENTITY, [i.id for i in page.items])
        await self._uow.commit()
        return page.map(lambda i: _view(i, journeys[i.journey_id]))

    async def _journeys_of_type(self, journey_type: str) -> frozenset[JourneyId]:
        """The ids of the tenant's journeys of ``journey_type``, active or not (instances of an
        inactive journey still run), read page by page."""
        ids: set[JourneyId] = set()
        page_number = 1
        while True:
            found = await self._journey_finder.find(
                JourneyCriteria(journey_type=journey_type), PageRequest(page_number, MAX_PAGE_SIZE)
            )
            ids.update(j.id for j in found.items)
            if not found.has_next:
                return frozenset(ids)
            page_number += 1


def _view(instance: JourneyInstance, journey: Journey | None) -> InstanceView:
    return InstanceView(
        instance=instance,
        journey_name=journey.details.name if journey else None,
        journey_type=journey.details.journey_type if journey else None,
    )
