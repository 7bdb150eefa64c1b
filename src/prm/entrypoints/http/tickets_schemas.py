"""Wire schemas of the tickets API (snake_case JSON, msgspec), after the reference API's
``TicketCreate`` / ``TicketUpdate`` / ``TicketResponse``.

``priority``: ``low``, ``medium``, ``high``, ``urgent``; ``status``: ``open``, ``in_progress``,
``resolved``, ``closed``; ``source``: ``staff``, ``survey``, ``journey``, ``integration``;
``category`` and ``assigned_team`` are codes (letters, digits, ``_``, ``-``, ``.``; stored
lower-case). SLA times are UTC; ``breach_kind`` is ``first_response`` or ``resolution``.
"""

from datetime import datetime, time
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from prm.application.tickets.open_ticket import OpenTicketCommand
from prm.application.tickets.sla_policy import BusinessHoursInput, CurrentSlaPolicy, SlaPolicyInput
from prm.domain.shared.ids import PatientId
from prm.domain.tickets.codes import BreachKind, TicketPriority, TicketSource, TicketStatus
from prm.domain.tickets.history import ActivityEntry, TicketComment
from prm.domain.tickets.model import Ticket
from prm.domain.tickets.sla import WEEKDAYS, EscalationAction
from prm.entrypoints.http.patching import given_fields

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
LongText = Annotated[str, msgspec.Meta(max_length=10_000)]
Code = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=64,
        pattern=r"^ *[A-Za-z0-9][A-Za-z0-9_.\-]* *$",
        description="Letters, digits, '_', '-' and '.'; stored lower-case",
        examples=["prescription"],
    ),
]
WallTime = Annotated[
    str, msgspec.Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="Local wall time, HH:MM")
]
Minutes = Annotated[int, msgspec.Meta(ge=1, le=129_600, description="Minutes (at most 90 days)")]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Struct(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Request bodies: unknown fields are refused. Subclasses repeat ``frozen=True`` for mypy's sake."""


class CreateTicketRequest(Struct, frozen=True):
    """A ticket about a patient (the reference API's ``TicketCreate``); ``priority`` defaults to
    ``medium``, ``category`` to ``general``. The source is the caller's: ``integration`` for an
    API key, ``staff`` otherwise."""

    patient_id: UUID
    title: Title
    description: LongText | None = None
    category: Code | None = None
    priority: TicketPriority = TicketPriority.MEDIUM
    assigned_to: UUID | None = None
    assigned_team: Code | None = None
    journey_instance_id: UUID | None = None
    survey_response_id: UUID | None = None
    tenant_id: UUID | None = None


class UpdateTicketRequest(Struct, frozen=True):
    """Only the fields present change (the reference API's ``TicketUpdate``); ``null`` clears an
    assignee. Resolving needs ``resolution_notes``. ``version`` (or ``If-Match``) guards against
    overwriting someone else's change: a stale one is answered 409."""

    status: TicketStatus | UnsetType = UNSET
    resolution_notes: LongText | UnsetType = UNSET
    priority: TicketPriority | UnsetType = UNSET
    assigned_to: UUID | None | UnsetType = UNSET
    assigned_team: Code | None | UnsetType = UNSET
    category: Code | UnsetType = UNSET
    version: Annotated[int, msgspec.Meta(ge=1)] | UnsetType = UNSET
    tenant_id: UUID | None | UnsetType = UNSET


class TicketResponse(msgspec.Struct, frozen=True):
    """A ticket as stored; ``version`` is also its ``ETag``. ``breached_at`` / ``breach_kind``:
    the first target it missed (``first_response_breached_at`` / ``resolution_breached_at``: each)."""

    id: UUID
    tenant_id: UUID
    patient_id: UUID
    title: str
    description: str | None
    category: str
    priority: TicketPriority
    status: TicketStatus
    source: TicketSource
    assigned_to: UUID | None
    assigned_team: str | None
    resolution_notes: str | None
    journey_instance_id: UUID | None
    survey_response_id: UUID | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    first_response_due_at: datetime
    resolution_due_at: datetime
    first_response_breached_at: datetime | None
    resolution_breached_at: datetime | None
    breached_at: datetime | None
    breach_kind: BreachKind | None
    version: int
    created_at: datetime
    updated_at: datetime


class AddCommentRequest(Struct, frozen=True):
    body: Annotated[str, msgspec.Meta(min_length=1, max_length=10_000)]


class CommentResponse(msgspec.Struct, frozen=True):
    """A comment; ``author_kind`` ``user`` (``author_id``: the user's id), ``api_key`` or ``system``."""

    id: UUID
    ticket_id: UUID
    author_kind: str
    author_id: str | None
    body: str
    created_at: datetime


class ActivityResponse(msgspec.Struct, frozen=True):
    """One change: ``action`` ``created``, ``changed`` (``field`` from ``from_value`` to
    ``to_value``), ``commented`` (``to_value``: the comment id) or ``breached`` (``field``: the
    breach kind, ``to_value``: the due time missed). Free text (resolution notes) is named, not copied."""

    id: UUID
    at: datetime
    actor_kind: str
    actor_id: str | None
    action: str
    field: str | None
    from_value: str | None
    to_value: str | None


class SlaTargetBody(Struct, frozen=True):
    first_response_minutes: Minutes
    resolution_minutes: Minutes


class SlaTargetsBody(Struct, frozen=True):
    """One target per priority (an object with a field each: its keys are documented, unlike a
    map's)."""

    low: SlaTargetBody
    medium: SlaTargetBody
    high: SlaTargetBody
    urgent: SlaTargetBody


class BusinessHoursBody(Struct, frozen=True):
    """``opens``-``closes`` local wall times on ``weekdays``; ``time_zone`` (IANA) defaults to the tenant's."""

    weekdays: Annotated[list[Weekday], msgspec.Meta(min_length=1, max_length=7)]
    opens: WallTime
    closes: WallTime
    time_zone: Annotated[str, msgspec.Meta(min_length=1, max_length=64, examples=["Europe/London"])] | None = None


class SlaPolicyRequest(Struct, frozen=True):
    """Targets for every priority (first response and resolution, in minutes), optional business
    hours (without them, wall-clock time counts), and what a breach does: ``raise_priority`` one
    step, ``reassign`` to ``escalation_team``, or ``none``."""

    targets: SlaTargetsBody
    business_hours: BusinessHoursBody | None = None
    escalation: EscalationAction = EscalationAction.RAISE_PRIORITY
    escalation_team: Code | None = None


class SlaPolicyResponse(msgspec.Struct, frozen=True):
    """The policy in force; ``is_default`` when the tenant has not set one."""

    targets: SlaTargetsBody
    business_hours: BusinessHoursBody | None
    escalation: EscalationAction
    escalation_team: str | None
    is_default: bool


# --- mapping -------------------------------------------------------------------------------------


def to_open_command(body: CreateTicketRequest) -> OpenTicketCommand:
    return OpenTicketCommand(
        patient_id=PatientId(body.patient_id),
        title=body.title,
        description=body.description,
        category=body.category,
        priority=body.priority,
        journey_instance_id=body.journey_instance_id,
        survey_response_id=body.survey_response_id,
        assigned_to=body.assigned_to,
        assigned_team=body.assigned_team,
    )


def to_changes(body: UpdateTicketRequest) -> dict[str, object]:
    """The fields present in ``body`` (but ``version`` and ``tenant_id``)."""
    return given_fields(body)


def to_policy_input(body: SlaPolicyRequest) -> SlaPolicyInput:
    hours = body.business_hours
    return SlaPolicyInput(
        targets={
            p.value: (t.first_response_minutes, t.resolution_minutes)
            for p in TicketPriority
            for t in (getattr(body.targets, p.value),)
        },
        business_hours=None
        if hours is None
        else BusinessHoursInput(
            weekdays=list(hours.weekdays),
            opens=time.fromisoformat(hours.opens),
            closes=time.fromisoformat(hours.closes),
            time_zone=hours.time_zone,
        ),
        escalation=body.escalation.value,
        escalation_team=body.escalation_team,
    )


def ticket_response(ticket: Ticket) -> TicketResponse:
    return TicketResponse(
        id=ticket.id,
        tenant_id=ticket.tenant_id,
        patient_id=ticket.patient_id,
        title=ticket.title,
        description=ticket.description,
        category=ticket.category,
        priority=ticket.priority,
        status=ticket.status,
        source=ticket.source,
        assigned_to=ticket.assigned_to,
        assigned_team=ticket.assigned_team,
        resolution_notes=ticket.resolution_notes,
        journey_instance_id=ticket.journey_instance_id,
        survey_response_id=ticket.survey_response_id,
        first_response_at=ticket.first_response_at,
        resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at,
        first_response_due_at=ticket.first_response_due_at,
        resolution_due_at=ticket.resolution_due_at,
        first_response_breached_at=ticket.first_response_breached_at,
        resolution_breached_at=ticket.resolution_breached_at,
        breached_at=ticket.breached_at,
        breach_kind=ticket.breach_kind,
        version=ticket.version,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
    )


def comment_response(comment: TicketComment) -> CommentResponse:
    return CommentResponse(
        id=comment.id,
        ticket_id=comment.ticket_id,
        author_kind=comment.author.kind,
        author_id=comment.author.id,
        body=comment.body,
        created_at=comment.created_at,
    )


def activity_response(entry: ActivityEntry) -> ActivityResponse:
    return ActivityResponse(
        id=entry.id,
        at=entry.at,
        actor_kind=entry.actor.kind,
        actor_id=entry.actor.id,
        action=entry.action,
        field=entry.field,
        from_value=entry.from_value,
        to_value=entry.to_value,
    )


def policy_response(current: CurrentSlaPolicy) -> SlaPolicyResponse:
    policy = current.policy
    hours = policy.business_hours
    return SlaPolicyResponse(
        targets=SlaTargetsBody(
            **{
                TicketPriority(p).value: SlaTargetBody(
                    first_response_minutes=int(t.first_response.total_seconds() // 60),
                    resolution_minutes=int(t.resolution.total_seconds() // 60),
                )
                for p, t in policy.targets.items()
            }
        ),
        business_hours=None
        if hours is None
        else BusinessHoursBody(
            weekdays=[WEEKDAYS[d] for d in sorted(hours.weekdays)],  # type: ignore[misc]
            opens=hours.opens.strftime("%H:%M"),
            closes=hours.closes.strftime("%H:%M"),
            time_zone=hours.time_zone,
        ),
        escalation=policy.escalation.action,
        escalation_team=policy.escalation.team,
        is_default=current.is_default,
    )
