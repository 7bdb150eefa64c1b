"""The journey template: what should happen to a patient around a visit, an admission or a procedure.

Modelled on the reference API's journeys and PX360's journey and stage templates. Rules kept here:

- a journey has a name (1 to 200 characters), a ``journey_type`` (``opd``, ``inpatient``, ``ems``,
  ``post_procedure``, ``onboarding``, ``chronic_care`` or a tenant's own code: lower snake case,
  up to 64 characters), ``is_default``, ``is_active``, optional ``trigger_conditions`` (see
  :func:`check_trigger_conditions`) and an optional hospital or department (``organization_id``);
- its stages are ordered by ``order_index`` (0 or more), unique within the journey
  (:class:`DuplicateStageOrder`), as is a stage's ``code`` when it has one;
- a stage's ``trigger_event`` (:func:`parse_trigger`) is ``manual``, an integration event code
  (``OPD_VISIT_COMPLETED``), a PRM event type (``appointment.fulfilled``) or ``delay:<minutes>``
  after the previous stage; its actions (:data:`StageAction`) send a message from a template on
  entering or completing the stage, send a survey some hours after it completes, or open a ticket;
- every change bumps the journey's ``version``: instances keep the version (and so the stages)
  they started with.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from prm.domain.journeys.errors import DuplicateStageOrder, InvalidJourney, StageNotFound
from prm.domain.journeys.events import JourneyCreated, JourneyUpdated
from prm.domain.journeys.ids import JourneyId, StageId
from prm.domain.shared.events import EVENT_TYPE
from prm.domain.shared.ids import TenantId, new_id

KNOWN_JOURNEY_TYPES = ("opd", "inpatient", "ems", "post_procedure", "onboarding", "chronic_care")
"""The journey types PRM knows; a tenant may use codes of its own (:data:`JOURNEY_TYPE_PATTERN`)."""

JOURNEY_TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
INTEGRATION_CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")
"""An integration event code, as the integrations context accepts them (``OPD_VISIT_COMPLETED``)."""
STAGE_CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
CHANNELS = ("sms", "whatsapp", "email")
"""The channels a message or survey invitation can go on (the communications context's)."""
TICKET_PRIORITIES = ("low", "medium", "high", "urgent")
MAX_DELAY_MINUTES = 525_600
"""The longest ``delay:<minutes>`` a stage may wait: a year."""
MAX_SURVEY_DELAY_HOURS = 8_760
MAX_STAGES = 100
MAX_ACTIONS = 20
MANUAL = "manual"
DELAY_PREFIX = "delay:"


class TriggerKind(StrEnum):
    MANUAL = "manual"
    DELAY = "delay"
    INTEGRATION = "integration"
    PRM = "prm"


@dataclass(frozen=True, slots=True)
class Trigger:
    """A parsed ``trigger_event``: its kind, the event code or type it waits for (``code``) and,
    for a delay, the minutes after the previous stage."""

    kind: TriggerKind
    code: str | None = None
    minutes: int | None = None


def parse_trigger(text: str, *, field_name: str = "trigger_event") -> Trigger:
    """Read a ``trigger_event``; raises :class:`InvalidJourney` naming ``field_name``."""
    if text == MANUAL:
        return Trigger(TriggerKind.MANUAL)
    if text.startswith(DELAY_PREFIX):
        minutes = text[len(DELAY_PREFIX) :]
        if not minutes.isdigit() or not 1 <= int(minutes) <= MAX_DELAY_MINUTES:
            raise InvalidJourney(f"delay must be delay:<minutes>, 1 to {MAX_DELAY_MINUTES}", field=field_name)
        return Trigger(TriggerKind.DELAY, minutes=int(minutes))
    if len(text) <= 64 and INTEGRATION_CODE_PATTERN.match(text):
        return Trigger(TriggerKind.INTEGRATION, code=text)
    if len(text) <= 64 and EVENT_TYPE.match(text):
        return Trigger(TriggerKind.PRM, code=text)
    raise InvalidJourney(
        "trigger_event must be 'manual', 'delay:<minutes>', an integration event code (OPD_VISIT_COMPLETED) "
        "or a PRM event type (appointment.fulfilled)",
        field=field_name,
    )


class ActionTiming(StrEnum):
    """When an action runs: as the stage starts (``enter``) or once it is completed (``complete``)."""

    ENTER = "enter"
    COMPLETE = "complete"


@dataclass(frozen=True, slots=True, kw_only=True)
class SendMessage:
    """Send the message of template ``template_name`` on ``channel`` (to the patient's address)."""

    template_name: str
    channel: str
    on: ActionTiming = ActionTiming.ENTER
    kind = "send_message"

    def __post_init__(self) -> None:
        _text("template_name", self.template_name, 100)
        _channel(self.channel)
        if not isinstance(self.on, ActionTiming):
            raise InvalidJourney("on must be enter or complete", field="on")


@dataclass(frozen=True, slots=True, kw_only=True)
class SendSurvey:
    """Invite the patient to survey ``survey_template_id`` on ``channel``, ``delay_hours`` (PX360's
    ``survey_delay_hours``) plus ``delay_minutes`` after the stage completes."""

    survey_template_id: UUID
    channel: str
    delay_hours: int = 0
    delay_minutes: int = 0
    kind = "send_survey"

    @property
    def delay(self) -> timedelta:
        return timedelta(hours=self.delay_hours, minutes=self.delay_minutes)

    @property
    def on(self) -> ActionTiming:
        return ActionTiming.COMPLETE

    def __post_init__(self) -> None:
        _channel(self.channel)
        if not 0 <= self.delay_hours <= MAX_SURVEY_DELAY_HOURS:
            raise InvalidJourney(f"delay_hours must be 0 to {MAX_SURVEY_DELAY_HOURS}", field="delay_hours")
        if not 0 <= self.delay_minutes < 60 * 24:
            raise InvalidJourney("delay_minutes must be 0 to 1439", field="delay_minutes")


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateTicket:
    """Open a ticket (``title``, ``priority``, ``category``) for the care team, by default as the
    patient enters the stage."""

    title: str
    priority: str = "medium"
    category: str | None = None
    on: ActionTiming = ActionTiming.ENTER
    kind = "create_ticket"

    def __post_init__(self) -> None:
        _text("title", self.title, 200)
        if self.priority not in TICKET_PRIORITIES:
            raise InvalidJourney(f"priority must be one of {', '.join(TICKET_PRIORITIES)}", field="priority")
        if self.category is not None:
            _text("category", self.category, 64)
        if not isinstance(self.on, ActionTiming):
            raise InvalidJourney("on must be enter or complete", field="on")


StageAction = SendMessage | SendSurvey | CreateTicket


def _text(name: str, value: object, limit: int) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidJourney(f"{name} must not be blank", field=name)
    if len(value) > limit:
        raise InvalidJourney(f"{name} is longer than {limit} characters", field=name)


def _channel(channel: object) -> None:
    if channel not in CHANNELS:
        raise InvalidJourney(f"channel must be one of {', '.join(CHANNELS)}", field="channel")


@dataclass(frozen=True, slots=True, kw_only=True)
class Stage:
    """One step of a journey (PX360's stage template). ``is_active`` false keeps the stage in the
    template but starts no one on it."""

    id: StageId
    name: str
    order_index: int
    code: str | None = None
    description: str | None = None
    trigger_event: str = MANUAL
    is_optional: bool = False
    is_active: bool = True
    actions: tuple[StageAction, ...] = ()

    def __post_init__(self) -> None:
        _text("name", self.name, 200)
        if self.code is not None and not STAGE_CODE_PATTERN.match(self.code):
            raise InvalidJourney("code may hold letters, digits, '_', '-' and '.', up to 64", field="code")
        if self.description is not None and len(self.description) > 2000:
            raise InvalidJourney("description is longer than 2000 characters", field="description")
        if isinstance(self.order_index, bool) or not isinstance(self.order_index, int) or self.order_index < 0:
            raise InvalidJourney("order_index must be a whole number, 0 or more", field="order_index")
        parse_trigger(self.trigger_event)
        if len(self.actions) > MAX_ACTIONS:
            raise InvalidJourney(f"a stage has at most {MAX_ACTIONS} actions", field="actions")

    @property
    def trigger(self) -> Trigger:
        return parse_trigger(self.trigger_event)


STAGE_FIELDS = frozenset(f.name for f in fields(Stage)) - {"id"}
"""What a stage update may change."""


def check_stages(stages: Sequence[Stage]) -> None:
    """Raise :class:`DuplicateStageOrder` (``stages.<i>.order_index``) for a repeated order and
    :class:`InvalidJourney` for a repeated code or id, or too many stages."""
    if len(stages) > MAX_STAGES:
        raise InvalidJourney(f"a journey has at most {MAX_STAGES} stages", field="stages")
    orders: set[int] = set()
    codes: set[str] = set()
    ids: set[StageId] = set()
    for index, stage in enumerate(stages):
        if stage.order_index in orders:
            raise DuplicateStageOrder(
                f"another stage of the journey has order_index {stage.order_index}", field=f"stages.{index}.order_index"
            )
        orders.add(stage.order_index)
        if stage.code is not None:
            if stage.code.lower() in codes:
                raise InvalidJourney(
                    f"another stage of the journey has code {stage.code!r}", field=f"stages.{index}.code"
                )
            codes.add(stage.code.lower())
        if stage.id in ids:
            raise InvalidJourney("two stages have the same id", field=f"stages.{index}")
        ids.add(stage.id)


def check_trigger_conditions(conditions: Mapping[str, Any]) -> None:
    """Empty (enrol by hand only), or ``event`` (a PRM event type such as ``appointment.booked``)
    or ``event_code`` (an integration event code such as ``ADT_A01``), not both, with more keys
    whose values (text, numbers, booleans) the event's payload must hold to enrol the patient
    (``{"event": "appointment.booked", "appointment_type": "new_patient"}``)."""
    if not conditions:
        return
    if len(conditions) > 20:
        raise InvalidJourney("trigger_conditions has at most 20 keys", field="trigger_conditions")
    event, code = conditions.get("event"), conditions.get("event_code")
    if (event is None) == (code is None):
        raise InvalidJourney("trigger_conditions needs exactly one of event or event_code", field="trigger_conditions")
    if event is not None and (not isinstance(event, str) or not EVENT_TYPE.match(event)):
        raise InvalidJourney("event must be a PRM event type (appointment.booked)", field="trigger_conditions.event")
    if code is not None and (not isinstance(code, str) or not INTEGRATION_CODE_PATTERN.match(code)):
        raise InvalidJourney("event_code must be an integration event code", field="trigger_conditions.event_code")
    for key, value in conditions.items():
        if not isinstance(value, str | int | float | bool) or (isinstance(value, str) and len(value) > 200):
            raise InvalidJourney(
                f"{key} must be a short text, a number or a boolean", field=f"trigger_conditions.{key}"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class JourneyDetails:
    """What a person edits of a journey but its stages."""

    name: str
    journey_type: str
    description: str | None = None
    is_default: bool = False
    is_active: bool = True
    trigger_conditions: Mapping[str, Any] = field(default_factory=dict)
    organization_id: UUID | None = None

    def __post_init__(self) -> None:
        _text("name", self.name, 200)
        if self.description is not None and len(self.description) > 2000:
            raise InvalidJourney("description is longer than 2000 characters", field="description")
        if not isinstance(self.journey_type, str) or not JOURNEY_TYPE_PATTERN.match(self.journey_type):
            raise InvalidJourney(
                f"journey_type must be one of {', '.join(KNOWN_JOURNEY_TYPES)} or a code of your own "
                "(lower snake case, up to 64 characters)",
                field="journey_type",
            )
        check_trigger_conditions(self.trigger_conditions)

    def enrols_on(self, code: str, attributes: Mapping[str, Any]) -> bool:
        """Whether an event of ``code`` (a PRM event type or an integration code) whose payload is
        ``attributes`` starts patients on this journey (it must be active)."""
        conditions = self.trigger_conditions
        if not self.is_active or not conditions or code not in (conditions.get("event"), conditions.get("event_code")):
            return False
        return all(
            key in attributes and str(attributes[key]) == str(value)
            for key, value in conditions.items()
            if key not in {"event", "event_code"}
        )


DETAIL_FIELDS = frozenset(f.name for f in fields(JourneyDetails))


@dataclass(kw_only=True, eq=False)
class Journey:
    """A journey template of the tenant, with its stages at its current ``version``."""

    id: JourneyId
    tenant_id: TenantId
    details: JourneyDetails
    stages: tuple[Stage, ...]
    version: int
    created_at: datetime
    updated_at: datetime
    events: list[object] = field(default_factory=list, repr=False)

    @classmethod
    def create(
        cls, *, tenant_id: TenantId, details: JourneyDetails, stages: Sequence[Stage], now: datetime
    ) -> "Journey":
        """A new journey at version 1; records :class:`JourneyCreated`."""
        check_stages(stages)
        journey = cls(
            id=JourneyId(new_id()),
            tenant_id=tenant_id,
            details=details,
            stages=_ordered(stages),
            version=1,
            created_at=now,
            updated_at=now,
        )
        journey.events.append(JourneyCreated(journey.id, details.journey_type, 1))
        return journey

    @property
    def active_stages(self) -> tuple[Stage, ...]:
        return tuple(s for s in self.stages if s.is_active)

    def stage(self, stage_id: StageId) -> Stage:
        found = next((s for s in self.stages if s.id == stage_id), None)
        if found is None:
            raise StageNotFound(f"journey {self.id} has no stage {stage_id}")
        return found

    def revise(self, changes: Mapping[str, object], now: datetime) -> tuple[str, ...]:
        """Apply ``changes`` (``JourneyDetails`` field names); returns the names that changed. A
        change bumps the version and records :class:`JourneyUpdated`."""
        unknown = set(changes) - DETAIL_FIELDS
        if unknown:
            raise InvalidJourney(f"cannot change {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
        candidate = replace(self.details, **changes)  # type: ignore[arg-type]
        changed = tuple(n for n in changes if getattr(candidate, n) != getattr(self.details, n))
        if changed:
            self.details = candidate
            self._bump(now, changed)
        return changed

    def add_stage(self, stage: Stage, now: datetime) -> None:
        """Append ``stage``; raises :class:`DuplicateStageOrder` (``order_index``) when its order is taken."""
        self._check_against_others(stage)
        self.stages = _ordered([*self.stages, stage])
        self._bump(now, ("stages",), stage.id)

    def revise_stage(self, stage_id: StageId, changes: Mapping[str, object], now: datetime) -> tuple[str, ...]:
        """Change one stage (``Stage`` field names but ``id``); raises :class:`StageNotFound`,
        :class:`DuplicateStageOrder` (``order_index``) and :class:`InvalidJourney`."""
        unknown = set(changes) - STAGE_FIELDS
        if unknown:
            raise InvalidJourney(f"cannot change {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
        current = self.stage(stage_id)
        candidate = replace(current, **changes)  # type: ignore[arg-type]
        changed = tuple(n for n in changes if getattr(candidate, n) != getattr(current, n))
        if changed:
            self._check_against_others(candidate)
            self.stages = _ordered([candidate if s.id == stage_id else s for s in self.stages])
            self._bump(now, tuple(f"stages.{n}" for n in changed), stage_id)
        return changed

    def _check_against_others(self, stage: Stage) -> None:
        for other in self.stages:
            if other.id == stage.id:
                continue
            if other.order_index == stage.order_index:
                raise DuplicateStageOrder(
                    f"stage {other.id} of the journey has order_index {stage.order_index}", field="order_index"
                )
            if stage.code is not None and other.code is not None and other.code.lower() == stage.code.lower():
                raise InvalidJourney(f"stage {other.id} of the journey has code {stage.code!r}", field="code")
        if len(self.stages) >= MAX_STAGES and all(s.id != stage.id for s in self.stages):
            raise InvalidJourney(f"a journey has at most {MAX_STAGES} stages", field="stages")

    def _bump(self, now: datetime, changed: tuple[str, ...], stage_id: StageId | None = None) -> None:
        self.version += 1
        self.updated_at = now
        self.events.append(JourneyUpdated(self.id, self.version, changed, stage_id))


def _ordered(stages: Sequence[Stage]) -> tuple[Stage, ...]:
    return tuple(sorted(stages, key=lambda s: s.order_index))


def new_stage_id() -> StageId:
    return StageId(new_id())
