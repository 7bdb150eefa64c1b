"""The journeys' background jobs: running a stage's action, and completing a ``delay:`` stage."""

from collections.abc import Mapping
from typing import Any
from uuid import UUID

import structlog

from prm.application.journeys.ports import (
    RUN_ACTION_TASK,
    JourneyInstanceRepository,
    JourneyMessages,
    JourneyRepository,
    JourneySurveys,
    JourneyTickets,
    StageActionRequest,
)
from prm.application.journeys.recorder import InstanceRecorder, action_key
from prm.application.shared.jobs import JobHandler, PermanentJobFailure
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.journeys.ids import JourneyInstanceId, StageId
from prm.domain.journeys.instances import InstanceStatus, JourneyInstance
from prm.domain.journeys.model import SendMessage, SendSurvey, StageAction
from prm.domain.shared.errors import DomainError

log = structlog.get_logger(__name__)


def _ids(args: Mapping[str, Any], task: str) -> tuple[JourneyInstanceId, StageId]:
    try:
        return JourneyInstanceId(UUID(str(args["instance_id"]))), StageId(UUID(str(args["stage_id"])))
    except (KeyError, TypeError, ValueError) as exc:
        raise PermanentJobFailure(f"bad {task} arguments: {exc}") from exc


async def _instance(instances: JourneyInstanceRepository, instance_id: JourneyInstanceId) -> JourneyInstance:
    instance = await instances.get(instance_id)
    if instance is None:
        raise PermanentJobFailure(f"journey instance {instance_id} is gone")
    return instance


class RunStageAction(JobHandler):
    """``journeys.run_stage_action`` (``{"instance_id", "stage_id", "action_index"}``): run one
    action of the stage as the instance's journey version defines it.

    - A cancelled instance's actions are dropped; a completed instance's still run (a survey
      some hours after the last stage).
    - Each action carries a de-duplication key (:func:`action_key`): a job run twice sends one
      message, one invitation, one ticket.
    - A failure is noted on the stage instance (``last_error``, and
      ``journey_instance.action_failed``), committed, and raised again: the job engine retries
      it, but for a rule of the other context or an unwired one (``PermanentJobFailure``). A
      success clears ``last_error`` and marks ``survey_sent`` for a survey.
    """

    def __init__(
        self,
        journeys: JourneyRepository,
        instances: JourneyInstanceRepository,
        messages: JourneyMessages,
        surveys: JourneySurveys,
        tickets: JourneyTickets,
        recorder: InstanceRecorder,
        uow: UnitOfWork,
        clock: Clock,
    ) -> None:
        self._journeys = journeys
        self._instances = instances
        self._messages = messages
        self._surveys = surveys
        self._tickets = tickets
        self._recorder = recorder
        self._uow = uow
        self._clock = clock

    async def __call__(self, args: Mapping[str, Any]) -> None:
        instance_id, stage_id = _ids(args, RUN_ACTION_TASK)
        try:
            index = int(args["action_index"])
        except (KeyError, TypeError, ValueError) as exc:
            raise PermanentJobFailure(f"bad {RUN_ACTION_TASK} arguments: {exc}") from exc
        instance = await _instance(self._instances, instance_id)
        if instance.status is InstanceStatus.CANCELLED:
            log.info("journey_action.dropped", instance_id=str(instance.id), stage_id=str(stage_id))
            return
        stages = await self._journeys.stages_of(instance.journey_id, instance.journey_version) or ()
        stage = next((s for s in stages if s.id == stage_id), None)
        if stage is None or not 0 <= index < len(stage.actions):
            raise PermanentJobFailure(f"stage {stage_id} of journey instance {instance_id} has no action {index}")
        action = stage.actions[index]
        request = StageActionRequest(
            instance_id=instance.id,
            patient_id=instance.patient_id,
            stage_id=stage_id,
            action_index=index,
            dedup_key=action_key(instance.id, stage_id, index),
            appointment_id=instance.appointment_id,
        )
        version = instance.version
        try:
            await self._run(request, action)
        except Exception as error:
            await self._note_failure(instance, version, stage_id, index, error)
            if isinstance(error, DomainError):
                raise PermanentJobFailure(f"{error.code}: {error.detail}") from error
            raise
        now = self._clock.now()
        if instance.record_action(stage_id, index, now, survey=isinstance(action, SendSurvey)):
            await self._recorder.record(instance, now, expected_version=version, stages=stages, changed=["stages"])
        await self._uow.commit()
        log.info("journey_action.done", instance_id=str(instance.id), stage_id=str(stage_id), kind=action.kind)

    async def _run(self, request: StageActionRequest, action: StageAction) -> None:
        if isinstance(action, SendMessage):
            await self._messages.send(request, action)
        elif isinstance(action, SendSurvey):
            await self._surveys.invite(request, action)
        else:
            await self._tickets.open(request, action)

    async def _note_failure(
        self, instance: JourneyInstance, version: int, stage_id: StageId, index: int, error: Exception
    ) -> None:
        code = error.code if isinstance(error, DomainError) else type(error).__name__
        detail = error.detail if isinstance(error, DomainError) else str(error)
        now = self._clock.now()
        try:
            instance.record_action(stage_id, index, now, error=f"{code}: {detail}", error_code=code)
            await self._recorder.record(instance, now, expected_version=version, changed=["stages"])
            await self._uow.commit()
        except Exception:  # noqa: BLE001 - the unit may be unusable (a database error): the job's retry tells
            log.warning("journey_action.failure_not_noted", instance_id=str(instance.id), error=code)
        log.warning("journey_action.failed", instance_id=str(instance.id), stage_id=str(stage_id), error=code)


class CompleteDelayStage(JobHandler):
    """``journeys.complete_delay_stage`` (``{"instance_id", "stage_id"}``): the wait of a
    ``delay:<minutes>`` stage is over; it completes if the instance is still active and the stage
    still in progress (else nothing happens)."""

    def __init__(
        self, instances: JourneyInstanceRepository, recorder: InstanceRecorder, uow: UnitOfWork, clock: Clock
    ) -> None:
        self._instances = instances
        self._recorder = recorder
        self._uow = uow
        self._clock = clock

    async def __call__(self, args: Mapping[str, Any]) -> None:
        instance_id, stage_id = _ids(args, "journeys.complete_delay_stage")
        instance = await _instance(self._instances, instance_id)
        version, now = instance.version, self._clock.now()
        if instance.complete_delay(stage_id, now):
            await self._recorder.record(instance, now, expected_version=version)
            await self._uow.commit()
