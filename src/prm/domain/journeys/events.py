"""Domain events of the journeys context; written to the outbox with the change that caused them.

The first field is the aggregate's id (the outbox keys on it). Events carry ids, codes, versions
and stage statuses, never names, notes or any text a person typed.
"""

from dataclasses import dataclass
from typing import ClassVar
from uuid import UUID

from prm.domain.journeys.ids import JourneyId, JourneyInstanceId, StageId
from prm.domain.shared.events import catalogue
from prm.domain.shared.ids import PatientId


@dataclass(frozen=True, slots=True)
class JourneyCreated:
    TYPE: ClassVar[str] = "journey.created"
    VERSION: ClassVar[int] = 1

    journey_id: JourneyId
    journey_type: str
    version: int


@dataclass(frozen=True, slots=True)
class JourneyUpdated:
    """Any edit (details or stages): ``version`` is the journey's new version."""

    TYPE: ClassVar[str] = "journey.updated"
    VERSION: ClassVar[int] = 1

    journey_id: JourneyId
    version: int
    changed_fields: tuple[str, ...]
    stage_id: StageId | None = None


@dataclass(frozen=True, slots=True)
class JourneyInstanceCreated:
    TYPE: ClassVar[str] = "journey_instance.created"
    VERSION: ClassVar[int] = 1

    instance_id: JourneyInstanceId
    journey_id: JourneyId
    journey_version: int
    patient_id: PatientId
    appointment_id: UUID | None
    enrolled_by: str
    """``manual`` (the API) or the trigger that enrolled the patient (``appointment.booked``, ``ADT_A01``)."""


@dataclass(frozen=True, slots=True)
class JourneyInstanceStageStarted:
    TYPE: ClassVar[str] = "journey_instance.stage_started"
    VERSION: ClassVar[int] = 1

    instance_id: JourneyInstanceId
    stage_id: StageId
    patient_id: PatientId


@dataclass(frozen=True, slots=True)
class JourneyInstanceStageCompleted:
    TYPE: ClassVar[str] = "journey_instance.stage_completed"
    VERSION: ClassVar[int] = 1

    instance_id: JourneyInstanceId
    stage_id: StageId
    patient_id: PatientId
    completed_by: str
    """``manual`` (advance), ``delay``, or the trigger code (``OPD_VISIT_COMPLETED``, ``appointment.fulfilled``)."""


@dataclass(frozen=True, slots=True)
class JourneyInstanceStageSkipped:
    """An optional stage passed over, or a stage left behind when the last required stage completed."""

    TYPE: ClassVar[str] = "journey_instance.stage_skipped"
    VERSION: ClassVar[int] = 1

    instance_id: JourneyInstanceId
    stage_id: StageId
    patient_id: PatientId


@dataclass(frozen=True, slots=True)
class JourneyInstanceCompleted:
    TYPE: ClassVar[str] = "journey_instance.completed"
    VERSION: ClassVar[int] = 1

    instance_id: JourneyInstanceId
    journey_id: JourneyId
    patient_id: PatientId


@dataclass(frozen=True, slots=True)
class JourneyInstanceCancelled:
    TYPE: ClassVar[str] = "journey_instance.cancelled"
    VERSION: ClassVar[int] = 1

    instance_id: JourneyInstanceId
    journey_id: JourneyId
    patient_id: PatientId


@dataclass(frozen=True, slots=True)
class JourneyInstanceActionFailed:
    """A stage action's attempt failed (it is retried); ``error_code`` is the error's class or code."""

    TYPE: ClassVar[str] = "journey_instance.action_failed"
    VERSION: ClassVar[int] = 1

    instance_id: JourneyInstanceId
    stage_id: StageId
    action_index: int
    error_code: str


CATALOGUE = catalogue(
    JourneyCreated,
    JourneyUpdated,
    JourneyInstanceCreated,
    JourneyInstanceStageStarted,
    JourneyInstanceStageCompleted,
    JourneyInstanceStageSkipped,
    JourneyInstanceCompleted,
    JourneyInstanceCancelled,
    JourneyInstanceActionFailed,
)
"""What this context publishes, by ``TYPE``."""
