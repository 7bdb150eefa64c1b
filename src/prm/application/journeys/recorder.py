"""Storing a changed journey instance with everything that follows from the change: its events
in the outbox, the jobs of the stages it entered or completed, and the audit trail."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from prm.application.journeys.ports import (
    COMPLETE_DELAY_TASK,
    RUN_ACTION_TASK,
    JourneyInstanceRepository,
    JourneyRepository,
)
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.jobs import JobScheduler
from prm.application.shared.ports import Outbox
from prm.domain.journeys.events import JourneyInstanceStageCompleted, JourneyInstanceStageStarted
from prm.domain.journeys.ids import JourneyId, JourneyInstanceId, StageId
from prm.domain.journeys.instances import JourneyInstance
from prm.domain.journeys.model import ActionTiming, SendSurvey, Stage, TriggerKind

INSTANCE_ENTITY = "journey_instance"
"""The audit trail's name for a journey instance."""


def action_key(instance_id: JourneyInstanceId, stage_id: StageId, index: int) -> str:
    """The job key (and the outside systems' de-duplication key) of one action of one stage."""
    return f"journey:{instance_id}:{stage_id}:{index}"


def schedule_followups(
    scheduler: JobScheduler, instance: JourneyInstance, stages: Sequence[Stage], events: Sequence[object], now: datetime
) -> int:
    """Schedule what ``events`` (the instance's new events) call for: the actions of the stages
    entered (``on: enter``) and completed (``on: complete``; a survey ``delay_hours`` later), and
    the completion of a ``delay:<minutes>`` stage entered. Returns how many jobs."""
    definitions = {s.id: s for s in stages}
    count = 0
    for event in events:
        if isinstance(event, JourneyInstanceStageStarted):
            timing = ActionTiming.ENTER
        elif isinstance(event, JourneyInstanceStageCompleted):
            timing = ActionTiming.COMPLETE
        else:
            continue
        stage = definitions.get(event.stage_id)
        if stage is None:
            continue
        trigger = stage.trigger
        if timing is ActionTiming.ENTER and trigger.kind is TriggerKind.DELAY and trigger.minutes is not None:
            scheduler.schedule(
                COMPLETE_DELAY_TASK,
                {"instance_id": str(instance.id), "stage_id": str(stage.id)},
                at=now + timedelta(minutes=trigger.minutes),
                key=f"journey-delay:{instance.id}:{stage.id}",
            )
            count += 1
        for index, action in enumerate(stage.actions):
            if action.on is not timing:
                continue
            after = action.delay if isinstance(action, SendSurvey) else None
            scheduler.schedule(
                RUN_ACTION_TASK,
                {"instance_id": str(instance.id), "stage_id": str(stage.id), "action_index": index},
                after=after if after else None,
                key=action_key(instance.id, stage.id, index),
            )
            count += 1
    return count


class InstanceRecorder:
    """Adds or saves an instance in the caller's unit of work (never commits) with its outbox
    events, follow-up jobs and one audit event (``create``, or ``update`` naming the fields)."""

    def __init__(
        self,
        journeys: JourneyRepository,
        instances: JourneyInstanceRepository,
        scheduler: JobScheduler,
        outbox: Outbox,
        audit: AuditTrail,
    ) -> None:
        self._journeys = journeys
        self._instances = instances
        self._scheduler = scheduler
        self._outbox = outbox
        self._audit = audit
        self._stages: dict[tuple[JourneyId, int], Sequence[Stage]] = {}
        """Stages by journey version, read once per unit of work (a version never changes)."""

    async def _stages_of(self, journey_id: JourneyId, version: int) -> Sequence[Stage]:
        key = (journey_id, version)
        found = self._stages.get(key)
        if found is None:
            found = self._stages[key] = await self._journeys.stages_of(journey_id, version) or ()
        return found

    async def record(
        self,
        instance: JourneyInstance,
        now: datetime,
        *,
        expected_version: int | None = None,
        stages: Sequence[Stage] | None = None,
        changed: Sequence[str] = ("stages",),
    ) -> None:
        """``expected_version`` ``None``: a new instance. ``stages``: the instance's journey
        version's stages, read when not given."""
        if expected_version is None:
            await self._instances.add(instance)
        else:
            await self._instances.save(instance, expected_version=expected_version)
        events = list(instance.events)
        instance.events.clear()
        if stages is None:
            stages = await self._stages_of(instance.journey_id, instance.journey_version)
        schedule_followups(self._scheduler, instance, stages, events, now)
        await self._outbox.add(events)
        if expected_version is None:
            await self._audit.record(AuditAction.CREATE, INSTANCE_ENTITY, [instance.id])
        else:
            await self._audit.record(AuditAction.UPDATE, INSTANCE_ENTITY, [instance.id], list(changed))
