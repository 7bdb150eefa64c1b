"""What happens elsewhere moves journeys: an integration event (``OPD_VISIT_COMPLETED``) or a PRM
event (``appointment.fulfilled``) completes the stages waiting for it and enrols patients on the
journeys whose trigger conditions it meets."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import structlog

from prm.application.journeys.instances_manage import start_instance
from prm.application.journeys.ports import JourneyInstanceRepository, JourneyRepository
from prm.application.journeys.recorder import InstanceRecorder
from prm.application.shared.context import RequestContext
from prm.application.shared.events import BatchEventHandler, PublishedEvent
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.journeys.instances import InstanceStatus, JourneyInstance, enrolment_key
from prm.domain.journeys.model import Journey
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PatientId

log = structlog.get_logger(__name__)

PRM_EVENT_TYPES = (
    "appointment.booked",
    "appointment.rescheduled",
    "appointment.cancelled",
    "appointment.no_show",
    "appointment.fulfilled",
    "patient.registered",
)
"""The PRM event types that can trigger stages and enrolments (the handler is registered for them)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class JourneyTrigger:
    """Something that happened to a patient. ``code``: an integration event code or a PRM event
    type; ``reference``: the event's own id, prefixed by where it came from (an event applies at
    most once per instance); ``attributes``: what enrolment conditions are matched against."""

    code: str
    reference: str
    patient_id: PatientId
    encounter_id: str | None = None
    appointment_id: UUID | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)


def concerns(instance: JourneyInstance, trigger: JourneyTrigger) -> bool:
    """An instance bound to another encounter (or appointment) than the event's is not its."""
    if trigger.encounter_id and instance.encounter_id and instance.encounter_id != trigger.encounter_id:
        return False
    return not (
        trigger.appointment_id and instance.appointment_id and instance.appointment_id != trigger.appointment_id
    )


class ApplyJourneyTrigger:
    """Apply ``trigger`` in the caller's unit of work (never commits); returns whether it changed
    or had changed anything (``False``: it matched nothing, so its event is *ignored*).

    - On each of the patient's active instances it concerns (:func:`concerns`), the first
      unfinished stage whose ``trigger_event`` is the code completes; an instance the event
      completed a stage of already is left alone (idempotent).
    - Each active journey whose trigger conditions it meets enrols the patient, once per
      encounter, else appointment, else event (the enrolment key).
    """

    def __init__(
        self,
        journeys: JourneyRepository,
        instances: JourneyInstanceRepository,
        recorder: InstanceRecorder,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._journeys = journeys
        self._instances = instances
        self._recorder = recorder
        self._clock = clock
        self._context = context
        self._enrolling: dict[str, Sequence[Journey]] = {}
        """The journeys each code enrols on, read once per unit of work (a batch of events)."""
        self._active: dict[PatientId, list[JourneyInstance]] = {}
        """The active instances of the patients of a batch (:meth:`expect`), kept up to date as
        the batch's triggers change them."""

    async def expect(self, patient_ids: Sequence[PatientId]) -> None:
        """Read the active instances of ``patient_ids`` at once, for the triggers that follow in
        this unit of work (a batch of inbound events): one statement instead of one a trigger."""
        wanted = [p for p in dict.fromkeys(patient_ids) if p not in self._active]
        if wanted:
            found = await self._instances.active_of_many(wanted)
            self._active.update({p: list(found.get(p, ())) for p in wanted})

    async def _active_of(self, patient_id: PatientId) -> Sequence[JourneyInstance]:
        known = self._active.get(patient_id)
        if known is None:
            return await self._instances.active_of(patient_id)
        return [i for i in known if i.status is InstanceStatus.ACTIVE]

    async def _enrolling_on(self, code: str) -> Sequence[Journey]:
        found = self._enrolling.get(code)
        if found is None:
            found = self._enrolling[code] = await self._journeys.enrolling_on(code)
        return found

    async def __call__(self, trigger: JourneyTrigger) -> bool:
        try:
            return await self._apply(trigger)
        except StaleVersion:  # changed meanwhile: the caller calls again, and that reads afresh
            self._active.pop(trigger.patient_id, None)
            raise

    async def _apply(self, trigger: JourneyTrigger) -> bool:
        now = self._clock.now()
        applied = False
        for instance in await self._active_of(trigger.patient_id):
            if not concerns(instance, trigger):
                continue
            if instance.applied(trigger.reference):
                applied = True
                continue
            version = instance.version
            stage = instance.complete_on(trigger.code, trigger.reference, now)
            if stage is not None:
                await self._recorder.record(instance, now, expected_version=version)
                applied = True
                log.info(
                    "journey_instance.stage_completed",
                    instance_id=str(instance.id),
                    stage_id=str(stage.stage_id),
                    trigger=trigger.code,
                )
        for journey in await self._enrolling_on(trigger.code):
            if not journey.details.enrols_on(trigger.code, trigger.attributes) or not journey.active_stages:
                continue
            key = enrolment_key(trigger.encounter_id, trigger.appointment_id) or f"event:{trigger.reference}"
            if await self._instances.enrolled(journey.id, key):
                applied = True
                continue
            instance = start_instance(
                journey,
                self._context,
                trigger.patient_id,
                now,
                appointment_id=trigger.appointment_id,
                encounter_id=trigger.encounter_id,
                enrolled_by=trigger.code,
                key=key,
            )
            await self._recorder.record(instance, now, stages=journey.stages)
            if trigger.patient_id in self._active:
                self._active[trigger.patient_id].append(instance)
            applied = True
            log.info("journey_instance.enrolled", instance_id=str(instance.id), journey_id=str(journey.id))
        return applied


def _uuid(value: object) -> UUID | None:
    try:
        return UUID(str(value)) if value is not None else None
    except ValueError:
        return None


class AdvanceJourneysOnPrmEvent(BatchEventHandler):
    """PRM's own events (:data:`PRM_EVENT_TYPES`) as journey triggers, in the handler's own unit
    of work (committed). The patient is the payload's ``patient_id`` (a ``patient.*`` event's
    aggregate); an event without one is left alone. :meth:`handle_batch` takes a relay batch of
    one tenant's events at once: their patients' active instances read in one statement (a
    backlog of 10,000 ``patient.registered`` cost 10,000 look-ups one event at a time)."""

    def __init__(self, apply: ApplyJourneyTrigger, uow: UnitOfWork) -> None:
        self._apply = apply
        self._uow = uow

    async def __call__(self, event: PublishedEvent) -> None:
        trigger = _trigger_of(event)
        if trigger is not None and await self._apply(trigger):
            await self._uow.commit()

    async def handle_batch(self, events: Sequence[PublishedEvent]) -> None:
        """Every event's trigger, in order, in the caller's unit of work (the relay commits it
        with the events' processed records; a trigger that raises leaves the relay to go one
        event at a time)."""
        triggers = [t for t in (_trigger_of(e) for e in events) if t is not None]
        await self._apply.expect([t.patient_id for t in triggers])
        for trigger in triggers:
            await self._apply(trigger)


def _trigger_of(event: PublishedEvent) -> JourneyTrigger | None:
    patient = _uuid(event.payload.get("patient_id"))
    if patient is None and event.type.startswith("patient."):
        patient = event.aggregate_id
    if patient is None:
        return None
    return JourneyTrigger(
        code=event.type,
        reference=f"event:{event.id}",
        patient_id=PatientId(patient),
        appointment_id=_uuid(event.payload.get("appointment_id")),
        attributes=dict(event.payload),
    )
