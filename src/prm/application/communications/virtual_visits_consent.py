"""Recording the patient's consent to a video visit."""

from dataclasses import dataclass

import structlog

from prm.application.communications.virtual_visits_ports import JoinLinks, VirtualVisitRepository
from prm.application.communications.virtual_visits_queries import VirtualVisitView, view_of
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.communications.virtual_visits import ConsentDecision, VirtualVisitId, VirtualVisitNotFound

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordVideoConsentCommand:
    visit_id: VirtualVisitId
    decision: ConsentDecision
    source: str
    """How the answer was given (``portal``, ``phone``, ``in_person``, ``sms``...): 1 to 64 characters."""


class RecordVideoConsent:
    """Record the patient's ``permit`` / ``deny`` (FHIR Consent ``provision.type``) for the visit,
    timed by the clock; the latest answer replaces the previous one. Raises
    ``VirtualVisitNotFound`` (404) and ``RuleViolated`` naming ``source`` (422)."""

    def __init__(
        self,
        visits: VirtualVisitRepository,
        links: JoinLinks,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._visits = visits
        self._links = links
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, command: RecordVideoConsentCommand) -> VirtualVisitView:
        visit = await self._visits.get(command.visit_id)
        if visit is None:
            raise VirtualVisitNotFound(f"virtual visit {command.visit_id} not found")
        version = visit.version
        visit.record_consent(command.decision, source=command.source, now=self._clock.now())
        await self._visits.save(visit, expected_version=version)
        await self._uow.commit()
        log.info("virtual_visit.consent_recorded", visit_id=str(visit.id), decision=command.decision.value)
        return view_of(visit, self._links, self._context)
