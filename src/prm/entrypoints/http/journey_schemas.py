"""Wire schemas of the journeys API (snake_case JSON, msgspec).

Journeys follow the reference API's ``JourneyCreate`` / ``JourneyResponse`` with PX360's stage
templates (``code``, ``order_index``, ``trigger_event``, ``is_optional``, ``is_active``); a stage's
``actions`` is a list of objects tagged by ``type``: ``send_message`` (``template_name``,
``channel``, ``on``: ``enter`` or ``complete``), ``send_survey`` (``survey_template_id``,
``channel``, ``delay_hours``) and ``create_ticket`` (``title``, ``priority``, ``category``, ``on``).
Instances follow the reference API's journey instances and PX360's progress.
"""

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from prm.application.journeys.instances_manage import InstanceView
from prm.application.journeys.journeys_manage import JourneyInput, StageInput
from prm.application.journeys.ports import InstanceStats
from prm.domain.journeys.instances import InstanceStatus, JourneyInstance, StageStatus
from prm.domain.journeys.model import (
    ActionTiming,
    CreateTicket,
    Journey,
    SendMessage,
    SendSurvey,
    Stage,
    StageAction,
)

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Description = Annotated[str, msgspec.Meta(max_length=2000)]
JourneyType = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[a-z][a-z0-9_]{0,63}$",
        description="opd, inpatient, ems, post_procedure, onboarding, chronic_care, or a code of your own",
        examples=["opd"],
    ),
]
TriggerEvent = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=64,
        description="manual, an integration event code (OPD_VISIT_COMPLETED), a PRM event type "
        "(appointment.fulfilled) or delay:<minutes> after the previous stage",
        examples=["OPD_VISIT_COMPLETED"],
    ),
]
OrderIndex = Annotated[int, msgspec.Meta(ge=0, le=10_000)]
ChannelName = Literal["sms", "whatsapp", "email"]
Conditions = Annotated[
    dict[str, Any],
    msgspec.Meta(
        description='{"event": "appointment.booked", "appointment_type": "new_patient"} or {"event_code": "ADT_A01"}'
    ),
]


class Struct(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Request bodies: unknown fields are refused."""


class ActionBody(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True, tag_field="type"):
    """A stage action, tagged by ``type``."""


class SendMessageBody(ActionBody, frozen=True, tag="send_message"):
    template_name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    channel: ChannelName
    on: ActionTiming = ActionTiming.ENTER


class SendSurveyBody(ActionBody, frozen=True, tag="send_survey"):
    survey_template_id: UUID
    channel: ChannelName
    delay_hours: Annotated[int, msgspec.Meta(ge=0, le=8760)] = 0
    delay_minutes: Annotated[int, msgspec.Meta(ge=0, le=1439, description="Added to delay_hours")] = 0


class CreateTicketBody(ActionBody, frozen=True, tag="create_ticket"):
    title: Name
    priority: Literal["low", "medium", "high", "urgent"] = "medium"
    category: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None
    on: ActionTiming = ActionTiming.ENTER


Action = SendMessageBody | SendSurveyBody | CreateTicketBody


class StageBody(Struct, frozen=True):
    name: Name
    order_index: OrderIndex
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None
    description: Description | None = None
    trigger_event: TriggerEvent = "manual"
    is_optional: bool = False
    is_active: bool = True
    actions: Annotated[list[Action], msgspec.Meta(max_length=20)] = []


class CreateJourneyRequest(Struct, frozen=True):
    name: Name
    journey_type: JourneyType
    description: Description | None = None
    is_default: bool = False
    is_active: bool = True
    trigger_conditions: Conditions = {}
    organization_id: Annotated[UUID, msgspec.Meta(description="A hospital or department")] | None = None
    stages: Annotated[list[StageBody], msgspec.Meta(max_length=100)] = []
    tenant_id: UUID | None = None


class UpdateJourneyRequest(Struct, frozen=True):
    """Only the fields present change; any change makes a new version (instances keep theirs)."""

    name: Name | UnsetType = UNSET
    journey_type: JourneyType | UnsetType = UNSET
    description: Description | None | UnsetType = UNSET
    is_default: bool | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET
    trigger_conditions: Conditions | UnsetType = UNSET
    organization_id: UUID | None | UnsetType = UNSET
    version: Annotated[int, msgspec.Meta(ge=1)] | UnsetType = UNSET
    tenant_id: UUID | None | UnsetType = UNSET


class UpdateStageRequest(Struct, frozen=True):
    name: Name | UnsetType = UNSET
    order_index: OrderIndex | UnsetType = UNSET
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None | UnsetType = UNSET
    description: Description | None | UnsetType = UNSET
    trigger_event: TriggerEvent | UnsetType = UNSET
    is_optional: bool | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET
    actions: Annotated[list[Action], msgspec.Meta(max_length=20)] | UnsetType = UNSET


class StageResponse(msgspec.Struct, frozen=True):
    id: UUID
    name: str
    code: str | None
    order_index: int
    description: str | None
    trigger_event: str
    is_optional: bool
    is_active: bool
    actions: list[Action]


class JourneyResponse(msgspec.Struct, frozen=True):
    """A journey at its current ``version`` (also its ``ETag``), with its stages in order."""

    id: UUID
    tenant_id: UUID
    name: str
    description: str | None
    journey_type: str
    is_default: bool
    is_active: bool
    trigger_conditions: dict[str, Any]
    organization_id: UUID | None
    version: int
    stages: list[StageResponse]
    stage_count: int
    created_at: datetime
    updated_at: datetime


class CreateInstanceRequest(Struct, frozen=True):
    journey_id: UUID
    patient_id: UUID
    appointment_id: UUID | None = None
    encounter_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64, examples=["ENC20251214001"])] | None = None
    organization_id: UUID | None = None
    context: dict[str, Any] = {}
    tenant_id: UUID | None = None


class AdvanceRequest(Struct, frozen=True):
    notes: Annotated[str, msgspec.Meta(max_length=2000)] | None = None


class StageInstanceResponse(msgspec.Struct, frozen=True):
    stage_id: UUID
    name: str
    order_index: int
    trigger_event: str
    is_optional: bool
    status: StageStatus
    started_at: datetime | None
    completed_at: datetime | None
    notes: str | None
    survey_sent: bool
    last_error: str | None


class InstanceResponse(msgspec.Struct, frozen=True):
    id: UUID
    tenant_id: UUID
    journey_id: UUID
    journey_version: int
    patient_id: UUID
    appointment_id: UUID | None
    encounter_id: str | None
    organization_id: UUID | None
    context: dict[str, Any]
    status: InstanceStatus
    current_stage_id: UUID | None
    completion_percentage: int
    started_at: datetime
    completed_at: datetime | None
    cancelled_at: datetime | None
    stages: list[StageInstanceResponse]


class ProgressStage(msgspec.Struct, frozen=True):
    stage_id: UUID
    name: str
    order: int
    status: StageStatus
    completed_at: datetime | None
    survey_sent: bool


class ProgressResponse(msgspec.Struct, frozen=True):
    """PX360's progress: ``completion_percentage`` 0 to 100 (finished stages over all)."""

    instance_id: UUID
    journey_id: UUID
    journey_name: str | None
    journey_type: str | None
    encounter_id: str | None
    patient_id: UUID
    status: InstanceStatus
    completion_percentage: int
    is_complete: bool
    started_at: datetime
    completed_at: datetime | None
    stages: list[ProgressStage]


class StatsResponse(msgspec.Struct, frozen=True):
    """``by_journey`` by journey name (the contract's), ``by_journey_id`` by id (names may repeat)."""

    total: int
    active: int
    completed: int
    cancelled: int
    by_status: dict[str, int]
    by_journey: dict[str, int]
    by_journey_id: dict[str, int]


# --- mapping -------------------------------------------------------------------------------------


def to_action(body: Action) -> StageAction:
    if isinstance(body, SendMessageBody):
        return SendMessage(template_name=body.template_name, channel=body.channel, on=body.on)
    if isinstance(body, SendSurveyBody):
        return SendSurvey(
            survey_template_id=body.survey_template_id,
            channel=body.channel,
            delay_hours=body.delay_hours,
            delay_minutes=body.delay_minutes,
        )
    return CreateTicket(title=body.title, priority=body.priority, category=body.category, on=body.on)


def action_body(action: StageAction) -> Action:
    if isinstance(action, SendMessage):
        return SendMessageBody(template_name=action.template_name, channel=action.channel, on=action.on)  # type: ignore[arg-type]
    if isinstance(action, SendSurvey):
        return SendSurveyBody(
            survey_template_id=action.survey_template_id,
            channel=action.channel,  # type: ignore[arg-type]
            delay_hours=action.delay_hours,
            delay_minutes=action.delay_minutes,
        )
    return CreateTicketBody(
        title=action.title,
        priority=action.priority,  # type: ignore[arg-type]
        category=action.category,
        on=action.on,
    )


def to_stage_input(body: StageBody) -> StageInput:
    return StageInput(
        name=body.name,
        order_index=body.order_index,
        code=body.code,
        description=body.description,
        trigger_event=body.trigger_event,
        is_optional=body.is_optional,
        is_active=body.is_active,
        actions=tuple(to_action(a) for a in body.actions),
    )


def to_journey_input(body: CreateJourneyRequest) -> JourneyInput:
    return JourneyInput(
        name=body.name,
        journey_type=body.journey_type,
        description=body.description,
        is_default=body.is_default,
        is_active=body.is_active,
        trigger_conditions=body.trigger_conditions,
        organization_id=body.organization_id,
        stages=[to_stage_input(s) for s in body.stages],
    )


def present_fields(
    body: msgspec.Struct, skip: frozenset[str] = frozenset({"version", "tenant_id"})
) -> dict[str, object]:
    """The fields present in ``body`` (actions as domain actions)."""
    changes: dict[str, object] = {}
    for name in body.__struct_fields__:
        value = getattr(body, name)
        if value is UNSET or name in skip:
            continue
        if name == "actions":
            value = tuple(to_action(a) for a in value)
        changes[name] = value
    return changes


def stage_response(stage: Stage) -> StageResponse:
    return StageResponse(
        id=stage.id,
        name=stage.name,
        code=stage.code,
        order_index=stage.order_index,
        description=stage.description,
        trigger_event=stage.trigger_event,
        is_optional=stage.is_optional,
        is_active=stage.is_active,
        actions=[action_body(a) for a in stage.actions],
    )


def journey_response(journey: Journey) -> JourneyResponse:
    d = journey.details
    return JourneyResponse(
        id=journey.id,
        tenant_id=journey.tenant_id,
        name=d.name,
        description=d.description,
        journey_type=d.journey_type,
        is_default=d.is_default,
        is_active=d.is_active,
        trigger_conditions=dict(d.trigger_conditions),
        organization_id=d.organization_id,
        version=journey.version,
        stages=[stage_response(s) for s in journey.stages],
        stage_count=len(journey.stages),
        created_at=journey.created_at,
        updated_at=journey.updated_at,
    )


def instance_response(instance: JourneyInstance) -> InstanceResponse:
    current = instance.current_stage
    return InstanceResponse(
        id=instance.id,
        tenant_id=instance.tenant_id,
        journey_id=instance.journey_id,
        journey_version=instance.journey_version,
        patient_id=instance.patient_id,
        appointment_id=instance.appointment_id,
        encounter_id=instance.encounter_id,
        organization_id=instance.organization_id,
        context=dict(instance.context),
        status=instance.status,
        current_stage_id=current.stage_id if current else None,
        completion_percentage=instance.completion_percentage,
        started_at=instance.started_at,
        completed_at=instance.completed_at,
        cancelled_at=instance.cancelled_at,
        stages=[
            StageInstanceResponse(
                stage_id=s.stage_id,
                name=s.name,
                order_index=s.order_index,
                trigger_event=s.trigger_event,
                is_optional=s.is_optional,
                status=s.status,
                started_at=s.started_at,
                completed_at=s.completed_at,
                notes=s.notes,
                survey_sent=s.survey_sent,
                last_error=s.last_error,
            )
            for s in instance.stages
        ],
    )


def progress_response(view: InstanceView) -> ProgressResponse:
    instance = view.instance
    return ProgressResponse(
        instance_id=instance.id,
        journey_id=instance.journey_id,
        journey_name=view.journey_name,
        journey_type=view.journey_type,
        encounter_id=instance.encounter_id,
        patient_id=instance.patient_id,
        status=instance.status,
        completion_percentage=instance.completion_percentage,
        is_complete=instance.status is InstanceStatus.COMPLETED,
        started_at=instance.started_at,
        completed_at=instance.completed_at,
        stages=[
            ProgressStage(
                stage_id=s.stage_id,
                name=s.name,
                order=s.order_index,
                status=s.status,
                completed_at=s.completed_at,
                survey_sent=s.survey_sent,
            )
            for s in instance.stages
        ],
    )


def stats_response(stats: InstanceStats) -> StatsResponse:
    by_name: dict[str, int] = {}
    for _, name, count in stats.by_journey:
        by_name[name] = by_name.get(name, 0) + count
    return StatsResponse(
        total=stats.total,
        active=stats.by_status.get(InstanceStatus.ACTIVE.value, 0),
        completed=stats.by_status.get(InstanceStatus.COMPLETED.value, 0),
        cancelled=stats.by_status.get(InstanceStatus.CANCELLED.value, 0),
        by_status=dict(stats.by_status),
        by_journey=by_name,
        by_journey_id={str(j): count for j, _, count in stats.by_journey},
    )
