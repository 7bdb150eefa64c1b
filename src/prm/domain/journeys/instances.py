"""A journey instance: one patient followed along one version of a journey.

Life cycle of the instance: ``active`` → ``completed`` (its last required stage completed) or
``cancelled``; neither ends. Life cycle of a stage instance: ``pending`` → ``in_progress`` →
``completed``, or ``pending``/``in_progress`` → ``skipped``; ``completed`` and ``skipped`` are
*finished* and final. Rules kept here:

- an instance is started with one stage instance per active stage of its journey version, in
  order; the first is ``in_progress``;
- while active, exactly one stage is ``in_progress``: the first unfinished one. A stage may
  complete out of order (an event for the laboratory before the consultation's): earlier
  unfinished stages stay where they are until they complete or the instance does;
- completing the *last required* stage (by order) completes the instance: every stage still
  unfinished is then ``skipped``; a journey of optional stages only completes with its last stage;
- an event applies at most once per instance (:attr:`StageInstance.completed_by` keeps the
  event's reference), so a replay changes nothing;
- :attr:`JourneyInstance.completion_percentage` is finished stages over all stages, 0 to 100,
  100 once completed; it never goes down.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from prm.domain.journeys.errors import InstanceNotActive, InvalidJourney, JourneyInactive, StageNotFound
from prm.domain.journeys.events import (
    JourneyInstanceActionFailed,
    JourneyInstanceCancelled,
    JourneyInstanceCompleted,
    JourneyInstanceCreated,
    JourneyInstanceStageCompleted,
    JourneyInstanceStageSkipped,
    JourneyInstanceStageStarted,
)
from prm.domain.journeys.ids import JourneyId, JourneyInstanceId, StageId
from prm.domain.journeys.model import Stage
from prm.domain.shared.ids import PatientId, TenantId, new_id

MAX_ENCOUNTER_LENGTH = 64
MAX_NOTES_LENGTH = 2000
MANUAL = "manual"


class InstanceStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class StageStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    SKIPPED = "skipped"

    @property
    def finished(self) -> bool:
        return self in (StageStatus.COMPLETED, StageStatus.SKIPPED)


@dataclass(kw_only=True, eq=False)
class StageInstance:
    """Where one stage stands for the instance; ``name``, ``order_index``, ``trigger_event`` and
    ``is_optional`` are copied from the journey version it started with."""

    stage_id: StageId
    name: str
    order_index: int
    trigger_event: str
    is_optional: bool
    status: StageStatus = StageStatus.PENDING
    started_at: datetime | None = None
    completed_at: datetime | None = None
    completed_by: str | None = None
    """``manual``, ``delay``, or ``<trigger>@<event reference>`` for an event."""
    notes: str | None = None
    survey_sent: bool = False
    last_error: str | None = None


def enrolment_key(encounter_id: str | None, appointment_id: UUID | None) -> str | None:
    """What makes an enrolment unique per journey: the encounter, else the appointment, else nothing."""
    if encounter_id:
        return f"encounter:{encounter_id}"
    if appointment_id is not None:
        return f"appointment:{appointment_id}"
    return None


@dataclass(kw_only=True, eq=False)
class JourneyInstance:
    """One patient on one journey version."""

    id: JourneyInstanceId
    tenant_id: TenantId
    journey_id: JourneyId
    journey_version: int
    patient_id: PatientId
    appointment_id: UUID | None
    encounter_id: str | None
    organization_id: UUID | None
    context: Mapping[str, Any]
    status: InstanceStatus
    stages: list[StageInstance]
    started_at: datetime
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None
    enrolment_key: str | None = None
    version: int = 1
    updated_at: datetime | None = None
    events: list[object] = field(default_factory=list, repr=False)

    @classmethod
    def start(
        cls,
        *,
        tenant_id: TenantId,
        journey_id: JourneyId,
        journey_version: int,
        stages: Sequence[Stage],
        patient_id: PatientId,
        now: datetime,
        appointment_id: UUID | None = None,
        encounter_id: str | None = None,
        organization_id: UUID | None = None,
        context: Mapping[str, Any] | None = None,
        enrolled_by: str = MANUAL,
        key: str | None = None,
    ) -> "JourneyInstance":
        """Start ``patient_id`` on the active ``stages`` of journey version ``journey_version``;
        records :class:`JourneyInstanceCreated` and the first stage's
        :class:`JourneyInstanceStageStarted`. ``key`` defaults to :func:`enrolment_key`.
        Raises :class:`JourneyInactive` without an active stage, :class:`InvalidJourney` for an
        encounter id longer than 64 characters."""
        active = sorted((s for s in stages if s.is_active), key=lambda s: s.order_index)
        if not active:
            raise JourneyInactive("the journey has no active stage: nobody can be started on it")
        if encounter_id is not None and not 1 <= len(encounter_id) <= MAX_ENCOUNTER_LENGTH:
            raise InvalidJourney(f"encounter_id must be 1 to {MAX_ENCOUNTER_LENGTH} characters", field="encounter_id")
        instance = cls(
            id=JourneyInstanceId(new_id()),
            tenant_id=tenant_id,
            journey_id=journey_id,
            journey_version=journey_version,
            patient_id=patient_id,
            appointment_id=appointment_id,
            encounter_id=encounter_id,
            organization_id=organization_id,
            context=dict(context or {}),
            status=InstanceStatus.ACTIVE,
            stages=[
                StageInstance(
                    stage_id=s.id,
                    name=s.name,
                    order_index=s.order_index,
                    trigger_event=s.trigger_event,
                    is_optional=s.is_optional,
                )
                for s in active
            ],
            started_at=now,
            enrolment_key=key if key is not None else enrolment_key(encounter_id, appointment_id),
            updated_at=now,
        )
        instance.events.append(
            JourneyInstanceCreated(instance.id, journey_id, journey_version, patient_id, appointment_id, enrolled_by)
        )
        instance._start_next(now)
        return instance

    # --- reading -----------------------------------------------------------------------------------

    @property
    def is_active(self) -> bool:
        return self.status is InstanceStatus.ACTIVE

    @property
    def current_stage(self) -> StageInstance | None:
        return next((s for s in self.stages if s.status is StageStatus.IN_PROGRESS), None)

    @property
    def completion_percentage(self) -> int:
        """Finished stages over all stages, rounded down, 0 to 100; 100 once completed."""
        if self.status is InstanceStatus.COMPLETED or not self.stages:
            return 100 if self.status is InstanceStatus.COMPLETED else 0
        finished = sum(s.status.finished for s in self.stages)
        return min(100, finished * 100 // len(self.stages))

    def stage(self, stage_id: StageId) -> StageInstance:
        found = next((s for s in self.stages if s.stage_id == stage_id), None)
        if found is None:
            raise StageNotFound(f"journey instance {self.id} has no stage {stage_id}")
        return found

    def applied(self, reference: str) -> bool:
        """Whether the event ``reference`` completed one of the stages already."""
        return any(s.completed_by is not None and s.completed_by.endswith(f"@{reference}") for s in self.stages)

    # --- changing ----------------------------------------------------------------------------------

    def advance(self, now: datetime, notes: str | None = None) -> StageInstance:
        """Complete the stage in progress by hand (``POST /advance``); returns it. Raises
        :class:`InstanceNotActive` (409) when the instance is completed or cancelled."""
        self._ensure_active()
        current = self.current_stage
        assert current is not None  # an active instance always has one
        if notes is not None and len(notes) > MAX_NOTES_LENGTH:
            raise InvalidJourney(f"notes is longer than {MAX_NOTES_LENGTH} characters", field="notes")
        self._complete(current, now, MANUAL, notes)
        return current

    def complete_on(self, trigger: str, reference: str, now: datetime) -> StageInstance | None:
        """Complete the first unfinished stage waiting for ``trigger`` (an event code or type)
        because of event ``reference``; ``None`` (nothing changes) when the instance is not
        active, no stage waits for it, or the event was applied already."""
        if not self.is_active or self.applied(reference):
            return None
        stage = next((s for s in self.stages if not s.status.finished and s.trigger_event == trigger), None)
        if stage is None:
            return None
        self._complete(stage, now, f"{trigger}@{reference}")
        return stage

    def complete_delay(self, stage_id: StageId, now: datetime) -> bool:
        """Complete the ``delay:`` stage ``stage_id`` when its wait is over; ``False`` (nothing
        changes) when the instance is not active or the stage is not in progress any more."""
        if not self.is_active:
            return False
        stage = self.stage(stage_id)
        if stage.status is not StageStatus.IN_PROGRESS:
            return False
        self._complete(stage, now, "delay")
        return True

    def cancel(self, now: datetime) -> None:
        """Stop following the patient; records :class:`JourneyInstanceCancelled`. Raises
        :class:`InstanceNotActive` (409) when the instance is completed or cancelled already."""
        self._ensure_active()
        self.status = InstanceStatus.CANCELLED
        self.cancelled_at = now
        self._touch(now)
        self.events.append(JourneyInstanceCancelled(self.id, self.journey_id, self.patient_id))

    def record_action(
        self,
        stage_id: StageId,
        action_index: int,
        now: datetime,
        *,
        error: str | None = None,
        error_code: str | None = None,
        survey: bool = False,
    ) -> bool:
        """Note an action's outcome on its stage: ``error`` (cut to 500 characters) for a failed
        attempt (records :class:`JourneyInstanceActionFailed` with ``error_code``), none for a
        success, which clears the last error (``survey``: an invitation went). Returns whether
        the stage changed."""
        stage = self.stage(stage_id)
        before = (stage.last_error, stage.survey_sent)
        stage.last_error = error[:500] if error else None
        if survey and error is None:
            stage.survey_sent = True
        if error:
            self.events.append(JourneyInstanceActionFailed(self.id, stage_id, action_index, error_code or "error"))
        if (stage.last_error, stage.survey_sent) == before and not error:
            return False
        self._touch(now)
        return True

    def _ensure_active(self) -> None:
        if not self.is_active:
            raise InstanceNotActive(f"journey instance {self.id} is {self.status.value}")

    def _complete(self, stage: StageInstance, now: datetime, by: str, notes: str | None = None) -> None:
        stage.status = StageStatus.COMPLETED
        stage.started_at = stage.started_at or now
        stage.completed_at = now
        stage.completed_by = by
        if notes:
            stage.notes = notes
        self._touch(now)
        self.events.append(JourneyInstanceStageCompleted(self.id, stage.stage_id, self.patient_id, by.split("@", 1)[0]))
        if self._last_required_done():
            for other in self.stages:
                if not other.status.finished:
                    other.status = StageStatus.SKIPPED
                    self.events.append(JourneyInstanceStageSkipped(self.id, other.stage_id, self.patient_id))
            self.status = InstanceStatus.COMPLETED
            self.completed_at = now
            self.events.append(JourneyInstanceCompleted(self.id, self.journey_id, self.patient_id))
            return
        self._start_next(now)

    def _last_required_done(self) -> bool:
        required = [s for s in self.stages if not s.is_optional]
        last = required[-1] if required else self.stages[-1]
        return last.status is StageStatus.COMPLETED

    def _start_next(self, now: datetime) -> None:
        if self.current_stage is not None:
            return
        following = next((s for s in self.stages if not s.status.finished), None)
        if following is None:
            return
        following.status = StageStatus.IN_PROGRESS
        following.started_at = now
        self.events.append(JourneyInstanceStageStarted(self.id, following.stage_id, self.patient_id))

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
