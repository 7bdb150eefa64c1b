"""Journey instances by hand: start a patient on a journey, read, list, count, advance, cancel
(``/journeys/instances``)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import structlog

from prm.application.journeys.ports import (
    InstanceCriteria,
    InstanceStats,
    JourneyInstanceFinder,
    JourneyInstanceRepository,
    JourneyPatients,
    JourneyRepository,
)
from prm.application.journeys.recorder import INSTANCE_ENTITY, InstanceRecorder
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.paging import Page, PageRequest
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.journeys.errors import AlreadyEnrolled, JourneyInactive, JourneyInstanceNotFound, JourneyNotFound
from prm.domain.journeys.ids import JourneyId, JourneyInstanceId
from prm.domain.journeys.instances import MANUAL, InstanceStatus, JourneyInstance, enrolment_key
from prm.domain.journeys.model import Journey
from prm.domain.shared.errors import PatientNotFound
from prm.domain.shared.ids import PatientId

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class StartJourneyCommand:
    """``organization_id`` defaults to the journey's; ``context`` is kept as given (JSON object)."""

    journey_id: JourneyId
    patient_id: PatientId
    appointment_id: UUID | None = None
    encounter_id: str | None = None
    organization_id: UUID | None = None
    context: Mapping[str, Any] = field(default_factory=dict)


class StartJourney:
    """Start a patient on a journey (``POST /journeys/instances``): one stage instance per active
    stage of the journey's current version, the first in progress, its ``enter`` actions and
    delay scheduled.

    Raises ``JourneyNotFound`` / ``PatientNotFound`` (404), ``JourneyInactive`` (422) for an
    inactive journey or one without active stages, ``AlreadyEnrolled`` (409) when the journey has
    an instance for this encounter (or appointment). Records ``journey_instance.created``,
    ``.stage_started`` and a ``create`` audit event.
    """

    def __init__(
        self,
        journeys: JourneyRepository,
        instances: JourneyInstanceRepository,
        patients: JourneyPatients,
        recorder: InstanceRecorder,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._journeys = journeys
        self._instances = instances
        self._patients = patients
        self._recorder = recorder
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, command: StartJourneyCommand) -> JourneyInstance:
        journey = await self._journeys.get(command.journey_id)
        if journey is None:
            raise JourneyNotFound(f"journey {command.journey_id} not found")
        if not journey.details.is_active:
            raise JourneyInactive(f"journey {journey.id} is inactive")
        if not await self._patients.exists(command.patient_id):
            raise PatientNotFound(f"patient {command.patient_id} not found")
        key = enrolment_key(command.encounter_id, command.appointment_id)
        if key is not None and await self._instances.enrolled(journey.id, key):
            raise AlreadyEnrolled("the patient is on this journey for this encounter or appointment already")
        now = self._clock.now()
        instance = start_instance(
            journey,
            self._context,
            command.patient_id,
            now,
            appointment_id=command.appointment_id,
            encounter_id=command.encounter_id,
            organization_id=command.organization_id,
            context_data=command.context,
        )
        await self._recorder.record(instance, now, stages=journey.stages)
        await self._uow.commit()
        log.info("journey_instance.created", instance_id=str(instance.id), journey_id=str(journey.id))
        return instance


def start_instance(
    journey: Journey,
    request: RequestContext,
    patient_id: PatientId,
    now: datetime,
    *,
    appointment_id: UUID | None = None,
    encounter_id: str | None = None,
    organization_id: UUID | None = None,
    context_data: Mapping[str, Any] | None = None,
    enrolled_by: str = MANUAL,
    key: str | None = None,
) -> JourneyInstance:
    """A new instance of ``journey``'s current version (see :meth:`JourneyInstance.start`)."""
    return JourneyInstance.start(
        tenant_id=request.tenant_id,
        journey_id=journey.id,
        journey_version=journey.version,
        stages=journey.stages,
        patient_id=patient_id,
        now=now,
        appointment_id=appointment_id,
        encounter_id=encounter_id,
        organization_id=organization_id or journey.details.organization_id,
        context=context_data,
        enrolled_by=enrolled_by,
        key=key,
    )


async def load_instance(instances: JourneyInstanceRepository, instance_id: JourneyInstanceId) -> JourneyInstance:
    instance = await instances.get(instance_id)
    if instance is None:
        raise JourneyInstanceNotFound(f"journey instance {instance_id} not found")
    return instance


@dataclass(frozen=True, slots=True, kw_only=True)
class InstanceView:
    """An instance with what its progress shows of its journey."""

    instance: JourneyInstance
    journey_name: str | None
    journey_type: str | None


class GetJourneyInstance:
    """One instance with its stages and its journey's name and type; raises
    ``JourneyInstanceNotFound`` (404). Records a ``read`` audit event."""

    def __init__(
        self, instances: JourneyInstanceRepository, journeys: JourneyRepository, audit: AuditTrail, uow: UnitOfWork
    ) -> None:
        self._instances = instances
        self._journeys = journeys
        self._audit = audit
        self._uow = uow

    async def __call__(self, instance_id: JourneyInstanceId) -> InstanceView:
        instance = await load_instance(self._instances, instance_id)
        journey = await self._journeys.get(instance.journey_id)
        await self._audit.record(AuditAction.READ, INSTANCE_ENTITY, [instance.id])
        await self._uow.commit()
        return InstanceView(
            instance=instance,
            journey_name=journey.details.name if journey else None,
            journey_type=journey.details.journey_type if journey else None,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ListInstancesQuery:
    """``search``: an encounter id (exact) or a patient's MRN (exact)."""

    page: PageRequest = field(default_factory=PageRequest)
    patient_id: PatientId | None = None
    journey_id: JourneyId | None = None
    status: InstanceStatus | None = None
    organization_id: UUID | None = None
    search: str | None = None


class ListJourneyInstances:
    """A page of instances, most recently started first. Records one ``search`` audit event."""

    def __init__(
        self, finder: JourneyInstanceFinder, patients: JourneyPatients, audit: AuditTrail, uow: UnitOfWork
    ) -> None:
        self._finder = finder
        self._patients = patients
        self._audit = audit
        self._uow = uow

    async def __call__(self, query: ListInstancesQuery) -> Page[JourneyInstance]:
        search = query.search.strip() if query.search and query.search.strip() else None
        by_mrn: tuple[PatientId, ...] = ()
        if search is not None:
            found = await self._patients.by_mrn(search)
            by_mrn = (found,) if found is not None else ()
        criteria = InstanceCriteria(
            patient_id=query.patient_id,
            journey_id=query.journey_id,
            status=query.status,
            organization_id=query.organization_id,
            search=search,
            search_patients=by_mrn,
        )
        page = await self._finder.find(criteria, query.page)
        await self._audit.record(AuditAction.SEARCH, INSTANCE_ENTITY, [i.id for i in page.items])
        await self._uow.commit()
        return page


class JourneyInstanceStatistics:
    """Counts of the tenant's instances by status and by journey (``GET /journeys/instances/stats``)."""

    def __init__(self, finder: JourneyInstanceFinder) -> None:
        self._finder = finder

    async def __call__(self, journey_id: JourneyId | None = None, organization_id: UUID | None = None) -> InstanceStats:
        return await self._finder.stats(journey_id, organization_id)


class _InstanceChange:
    def __init__(
        self, instances: JourneyInstanceRepository, recorder: InstanceRecorder, uow: UnitOfWork, clock: Clock
    ) -> None:
        self._instances = instances
        self._recorder = recorder
        self._uow = uow
        self._clock = clock


class AdvanceJourneyInstance(_InstanceChange):
    """Complete the stage in progress by hand with ``notes`` and move on (``POST /advance``).
    Raises ``JourneyInstanceNotFound`` (404), ``InstanceNotActive`` (409) for a completed or
    cancelled instance. Records ``.stage_completed`` (and ``.stage_started`` or ``.completed``)."""

    async def __call__(self, instance_id: JourneyInstanceId, notes: str | None = None) -> JourneyInstance:
        instance = await load_instance(self._instances, instance_id)
        version, now = instance.version, self._clock.now()
        instance.advance(now, notes)
        await self._recorder.record(instance, now, expected_version=version)
        await self._uow.commit()
        log.info("journey_instance.advanced", instance_id=str(instance.id), status=instance.status.value)
        return instance


class CancelJourneyInstance(_InstanceChange):
    """Stop following the patient (``POST /cancel``): later events for the instance are ignored.
    Raises ``JourneyInstanceNotFound`` (404), ``InstanceNotActive`` (409)."""

    async def __call__(self, instance_id: JourneyInstanceId) -> JourneyInstance:
        instance = await load_instance(self._instances, instance_id)
        version, now = instance.version, self._clock.now()
        instance.cancel(now)
        await self._recorder.record(instance, now, expected_version=version, changed=["status"])
        await self._uow.commit()
        log.info("journey_instance.cancelled", instance_id=str(instance.id))
        return instance
