"""Journey templates: create, read, list, change, and their stages (``/journeys``)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any
from uuid import UUID

import structlog

from prm.application.journeys.ports import JourneyCriteria, JourneyFinder, JourneyOrganizations, JourneyRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.paging import Page, PageRequest
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.journeys.errors import InvalidJourney, JourneyNotFound
from prm.domain.journeys.ids import JourneyId, StageId
from prm.domain.journeys.model import MANUAL, Journey, JourneyDetails, Stage, StageAction, new_stage_id
from prm.domain.shared.errors import StaleVersion

log = structlog.get_logger(__name__)

ENTITY = "journey"
"""The audit trail's name for a journey template."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StageInput:
    """A stage as given (``POST /journeys`` or ``/journeys/{id}/stages``)."""

    name: str
    order_index: int
    code: str | None = None
    description: str | None = None
    trigger_event: str = MANUAL
    is_optional: bool = False
    is_active: bool = True
    actions: tuple[StageAction, ...] = ()

    def build(self, stage_id: StageId | None = None) -> Stage:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return Stage(id=stage_id or new_stage_id(), **values)


@dataclass(frozen=True, slots=True, kw_only=True)
class JourneyInput:
    name: str
    journey_type: str
    description: str | None = None
    is_default: bool = False
    is_active: bool = True
    trigger_conditions: Mapping[str, Any] = field(default_factory=dict)
    organization_id: UUID | None = None
    stages: Sequence[StageInput] = ()


def _prefixed(error: InvalidJourney, prefix: str) -> InvalidJourney:
    return type(error)(error.detail, field=f"{prefix}.{error.field}" if error.field else prefix)


async def _check_organization(organizations: JourneyOrganizations, organization_id: UUID | None) -> None:
    if organization_id is not None and not await organizations.exists(organization_id):
        raise InvalidJourney(f"no organization {organization_id} in this tenant", field="organization_id")


async def _load(journeys: JourneyRepository, journey_id: JourneyId) -> Journey:
    journey = await journeys.get(journey_id)
    if journey is None:
        raise JourneyNotFound(f"journey {journey_id} not found")
    return journey


def _ensure_version(journey: Journey, expected: int | None) -> None:
    if expected is not None and expected != journey.version:
        raise StaleVersion(f"journey {journey.id} is at version {journey.version}, not {expected}: reload it")


class CreateJourney:
    """Create a journey template with its stages (``POST /journeys``), at version 1.

    Raises ``DuplicateStageOrder`` (422, ``stages.<i>.order_index``), ``InvalidJourney`` (422,
    naming the field: ``organization_id`` for an organisation the tenant does not have). Records
    ``journey.created`` and a ``create`` audit event.
    """

    def __init__(
        self,
        journeys: JourneyRepository,
        organizations: JourneyOrganizations,
        outbox: Outbox,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._journeys = journeys
        self._organizations = organizations
        self._outbox = outbox
        self._audit = audit
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, given: JourneyInput) -> Journey:
        details = JourneyDetails(
            name=given.name,
            journey_type=given.journey_type,
            description=given.description,
            is_default=given.is_default,
            is_active=given.is_active,
            trigger_conditions=dict(given.trigger_conditions),
            organization_id=given.organization_id,
        )
        stages = []
        for index, stage in enumerate(given.stages):
            try:
                stages.append(stage.build())
            except InvalidJourney as exc:
                raise _prefixed(exc, f"stages.{index}") from exc
        await _check_organization(self._organizations, details.organization_id)
        journey = Journey.create(
            tenant_id=self._context.tenant_id, details=details, stages=stages, now=self._clock.now()
        )
        await self._journeys.add(journey)
        await self._outbox.add(journey.events)
        await self._audit.record(AuditAction.CREATE, ENTITY, [journey.id])
        await self._uow.commit()
        log.info("journey.created", journey_id=str(journey.id), stages=len(journey.stages))
        return journey


class GetJourney:
    """One journey with its stages; raises ``JourneyNotFound`` (404)."""

    def __init__(self, journeys: JourneyRepository) -> None:
        self._journeys = journeys

    async def __call__(self, journey_id: JourneyId) -> Journey:
        return await _load(self._journeys, journey_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class ListJourneysQuery:
    page: PageRequest = field(default_factory=PageRequest)
    criteria: JourneyCriteria = field(default_factory=JourneyCriteria)


class ListJourneys:
    """A page of the tenant's journeys by name (templates hold no patient data: no audit event)."""

    def __init__(self, finder: JourneyFinder) -> None:
        self._finder = finder

    async def __call__(self, query: ListJourneysQuery) -> Page[Journey]:
        return await self._finder.find(query.criteria, query.page)


class _JourneyChange:
    def __init__(
        self,
        journeys: JourneyRepository,
        organizations: JourneyOrganizations,
        outbox: Outbox,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
    ) -> None:
        self._journeys = journeys
        self._organizations = organizations
        self._outbox = outbox
        self._audit = audit
        self._uow = uow
        self._clock = clock

    async def _store(self, journey: Journey, version: int, changed: Sequence[str]) -> None:
        if journey.version == version:
            return
        await self._journeys.save(journey, expected_version=version)
        await self._outbox.add(journey.events)
        await self._audit.record(AuditAction.UPDATE, ENTITY, [journey.id], list(changed))
        await self._uow.commit()
        log.info("journey.updated", journey_id=str(journey.id), version=journey.version)


class UpdateJourney(_JourneyChange):
    """Change some details (``PATCH /journeys/{id}``): a change makes a new version; instances
    running keep theirs. ``expected_version`` makes it conditional (409 ``StaleVersion``)."""

    async def __call__(
        self, journey_id: JourneyId, changes: Mapping[str, object], *, expected_version: int | None = None
    ) -> Journey:
        journey = await _load(self._journeys, journey_id)
        _ensure_version(journey, expected_version)
        if "organization_id" in changes and changes["organization_id"] != journey.details.organization_id:
            organization = changes["organization_id"]
            await _check_organization(self._organizations, organization if isinstance(organization, UUID) else None)
        version = journey.version
        changed = journey.revise(changes, self._clock.now())
        await self._store(journey, version, changed)
        return journey


class AddStage(_JourneyChange):
    """Add a stage (``POST /journeys/{id}/stages``): a new version. Raises ``DuplicateStageOrder``
    (422, ``order_index``) when the journey has a stage of that order."""

    async def __call__(self, journey_id: JourneyId, given: StageInput) -> tuple[Journey, Stage]:
        journey = await _load(self._journeys, journey_id)
        stage = given.build()
        version = journey.version
        journey.add_stage(stage, self._clock.now())
        await self._store(journey, version, ["stages"])
        return journey, stage


class UpdateStage(_JourneyChange):
    """Change one stage (``PATCH /journeys/{id}/stages/{stage_id}``): a new version when anything
    changed. Raises ``JourneyNotFound`` / ``StageNotFound`` (404), ``DuplicateStageOrder`` (422)."""

    async def __call__(self, journey_id: JourneyId, stage_id: StageId, changes: Mapping[str, object]) -> Stage:
        journey = await _load(self._journeys, journey_id)
        version = journey.version
        changed = journey.revise_stage(stage_id, changes, self._clock.now())
        await self._store(journey, version, [f"stages.{n}" for n in changed])
        return journey.stage(stage_id)
