"""The ticket aggregate: something about a patient that a person of the tenant has to act on.

A ticket has a title, an optional description, a ``category`` code (``prescription``,
``survey_follow_up``, ...), a :class:`~prm.domain.tickets.codes.TicketPriority`, a
:class:`~prm.domain.tickets.codes.TicketStatus`, an assignee (a user, ``assigned_to``, and/or a
team code, ``assigned_team``), where it came from (:class:`~prm.domain.tickets.codes.TicketSource`,
with the journey instance or survey response behind it) and its SLA: due times for the first
response and the resolution (:mod:`prm.domain.tickets.sla`), and when each was breached.

Rules kept here:

- texts fit :data:`MAX_LENGTHS` (characters); the title is not blank; codes (category, team) are
  1 to 64 lower-case letters, digits, ``_``, ``-`` or ``.``, starting with a letter or digit;
- the workflow is :data:`TRANSITIONS` (open -> in_progress -> resolved -> closed, resolved -> open
  to reopen, open -> resolved for a quick fix); anything else is :class:`TransitionNotAllowed`;
  resolving needs ``resolution_notes``; a closed ticket changes no more (:class:`TicketClosed`);
- the first response (``first_response_at``) is the first comment by a member of staff or the
  first move to ``in_progress`` (or straight to ``resolved``), whichever comes first;
- due times are computed at creation and again, from the creation time, when a person changes the
  priority; an escalation's priority raise keeps them (the breach is already marked);
- every change is an :class:`ActivityEntry` (who, when, which field, from what to what; free-text
  values, the resolution notes, are named but not copied) and a domain event (ids and codes only).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from prm.domain.shared.ids import PatientId, TenantId, new_id
from prm.domain.tickets.codes import BreachKind, TicketPriority, TicketSource, TicketStatus
from prm.domain.tickets.errors import InvalidTicket, TicketClosed, TransitionNotAllowed
from prm.domain.tickets.events import (
    TicketCommented,
    TicketCreated,
    TicketSlaBreached,
    TicketStatusChanged,
    TicketUpdated,
)
from prm.domain.tickets.history import ActivityEntry, Actor, TicketComment
from prm.domain.tickets.ids import TicketCommentId, TicketId, UserId
from prm.domain.tickets.sla import EscalationAction, SlaPolicy

MAX_LENGTHS: Mapping[str, int] = {
    "title": 200,
    "description": 10_000,
    "category": 64,
    "assigned_team": 64,
    "resolution_notes": 10_000,
    "dedup_key": 200,
    "body": 10_000,
}
"""Longest accepted value of each text field, in characters (also the storage limits)."""

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")
"""A category or team code, once lower-cased."""

TRANSITIONS: Mapping[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.OPEN: frozenset({TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED}),
    TicketStatus.IN_PROGRESS: frozenset({TicketStatus.RESOLVED}),
    TicketStatus.RESOLVED: frozenset({TicketStatus.CLOSED, TicketStatus.OPEN}),
    TicketStatus.CLOSED: frozenset(),
}
"""Where a ticket may go from each status (a "change" to the same status changes nothing)."""

EDITABLE = ("category", "priority", "assigned_to", "assigned_team", "status", "resolution_notes")
"""The fields :meth:`Ticket.revise` changes, in the order it applies them (status last)."""

DEFAULT_CATEGORY = "general"


def check_text(name: str, value: str | None, *, required: bool = False) -> str | None:
    """``value`` trimmed (a blank optional text is ``None``); raises :class:`InvalidTicket` naming
    ``name`` when it is blank but required, or longer than its limit."""
    text = value.strip() if value is not None else None
    if not text:
        if required:
            raise InvalidTicket(f"{name} must not be blank", field=name)
        return None
    if len(text) > MAX_LENGTHS[name]:
        raise InvalidTicket(f"{name} is longer than {MAX_LENGTHS[name]} characters", field=name)
    return text


def check_code(name: str, value: str | None) -> str | None:
    """A category or team code, trimmed and lower-cased (``None`` stays ``None``)."""
    text = check_text(name, value)
    if text is None:
        return None
    code = text.lower()
    if not CODE_PATTERN.match(code):
        raise InvalidTicket(
            f"{name} may hold letters, digits, '_', '-' and '.' only, starting with a letter or digit", field=name
        )
    return code


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


@dataclass(kw_only=True, eq=False)
class Ticket:
    """A ticket of the tenant; ``version`` counts its changes (optimistic concurrency, ETag)."""

    id: TicketId
    tenant_id: TenantId
    patient_id: PatientId
    title: str
    description: str | None
    category: str
    priority: TicketPriority
    status: TicketStatus
    source: TicketSource
    assigned_to: UserId | None = None
    assigned_team: str | None = None
    resolution_notes: str | None = None
    journey_instance_id: UUID | None = None
    survey_response_id: UUID | None = None
    dedup_key: str | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    first_response_due_at: datetime
    resolution_due_at: datetime
    first_response_breached_at: datetime | None = None
    resolution_breached_at: datetime | None = None
    version: int = 1
    created_at: datetime
    updated_at: datetime
    events: list[object] = field(default_factory=list, repr=False)
    activity: list[ActivityEntry] = field(default_factory=list, repr=False)

    @classmethod
    def open(
        cls,
        *,
        tenant_id: TenantId,
        patient_id: PatientId,
        title: str,
        description: str | None,
        category: str | None,
        priority: TicketPriority,
        source: TicketSource,
        policy: SlaPolicy,
        actor: Actor,
        now: datetime,
        assigned_to: UserId | None = None,
        assigned_team: str | None = None,
        journey_instance_id: UUID | None = None,
        survey_response_id: UUID | None = None,
        dedup_key: str | None = None,
    ) -> "Ticket":
        """A new open ticket at version 1 with its due times from ``policy``; records
        :class:`TicketCreated` and a ``created`` activity. Raises :class:`InvalidTicket` naming the field."""
        due = policy.due_times(priority, now)
        ticket = cls(
            id=TicketId(new_id()),
            tenant_id=tenant_id,
            patient_id=patient_id,
            title=check_text("title", title, required=True) or "",
            description=check_text("description", description),
            category=check_code("category", category) or DEFAULT_CATEGORY,
            priority=TicketPriority(priority),
            status=TicketStatus.OPEN,
            source=TicketSource(source),
            assigned_to=assigned_to,
            assigned_team=check_code("assigned_team", assigned_team),
            journey_instance_id=journey_instance_id,
            survey_response_id=survey_response_id,
            dedup_key=check_text("dedup_key", dedup_key),
            first_response_due_at=due.first_response,
            resolution_due_at=due.resolution,
            created_at=now,
            updated_at=now,
        )
        ticket.events.append(
            TicketCreated(
                ticket.id,
                patient_id,
                ticket.source.value,
                ticket.category,
                ticket.priority.value,
                journey_instance_id,
                survey_response_id,
            )
        )
        ticket._log(now, actor, "created")
        return ticket

    # --- reading ----------------------------------------------------------------------------------

    @property
    def breached_at(self) -> datetime | None:
        """When the ticket first missed a target (``None``: it has missed none)."""
        marks = [m for m in (self.first_response_breached_at, self.resolution_breached_at) if m is not None]
        return min(marks) if marks else None

    @property
    def breach_kind(self) -> BreachKind | None:
        """Which target it missed first."""
        first, resolution = self.first_response_breached_at, self.resolution_breached_at
        if first is not None and (resolution is None or first <= resolution):
            return BreachKind.FIRST_RESPONSE
        return BreachKind.RESOLUTION if self.resolution_breached_at is not None else None

    def due_breaches(self, now: datetime) -> list[BreachKind]:
        """The targets the ticket has missed at ``now`` and that are not marked yet (an active
        ticket only; the first response only while there has been none)."""
        if not self.status.is_active:
            return []
        kinds = []
        unanswered = self.first_response_at is None and self.first_response_breached_at is None
        if unanswered and self.first_response_due_at <= now:
            kinds.append(BreachKind.FIRST_RESPONSE)
        if self.resolution_breached_at is None and self.resolution_due_at <= now:
            kinds.append(BreachKind.RESOLUTION)
        return kinds

    def is_overdue(self, now: datetime) -> bool:
        """Active and past a due time it has not met (as the list's ``overdue`` filter reads it)."""
        if not self.status.is_active:
            return False
        return self.resolution_due_at <= now or (self.first_response_at is None and self.first_response_due_at <= now)

    # --- changing ---------------------------------------------------------------------------------

    def revise(
        self, changes: Mapping[str, object], *, actor: Actor, now: datetime, policy: SlaPolicy
    ) -> tuple[str, ...]:
        """Apply ``changes`` (names from :data:`EDITABLE`), returning the names that changed.

        Raises :class:`InvalidTicket` (422, naming the field) for an unknown name or a bad value,
        resolving without ``resolution_notes`` or giving notes to a ticket that is not being
        resolved; :class:`TransitionNotAllowed` (409, ``status``) for a move :data:`TRANSITIONS`
        does not allow; :class:`TicketClosed` (409) for any change to a closed ticket. A revision
        that changes something bumps the version once. Checks everything before changing anything.
        """
        unknown = sorted(set(changes) - set(EDITABLE))
        if unknown:
            raise InvalidTicket(f"cannot change {', '.join(unknown)}", field=unknown[0])
        wanted = self._checked(changes)
        target = wanted.get("status", self.status)
        assert isinstance(target, TicketStatus)
        if target != self.status and target not in TRANSITIONS[self.status]:
            raise TransitionNotAllowed(f"status cannot go from {self.status.value} to {target.value}")
        notes = wanted.get("resolution_notes", self.resolution_notes if target == self.status else None)
        if "resolution_notes" in wanted and target is not TicketStatus.RESOLVED:
            raise InvalidTicket("resolution_notes are given when resolving the ticket", field="resolution_notes")
        if target is TicketStatus.RESOLVED and target != self.status and not notes:
            raise InvalidTicket("resolving a ticket needs resolution_notes", field="resolution_notes")
        changed = [name for name, value in wanted.items() if value != getattr(self, name)]
        if not changed:
            return ()
        if self.status is TicketStatus.CLOSED:
            raise TicketClosed(f"ticket {self.id} is closed: it changes no more")
        before = self.status
        for name in EDITABLE:
            if name in changed and name != "status":
                self._set(name, wanted[name], now, actor)
        if "priority" in changed:
            self._reschedule(policy, now, actor)
        if "status" in changed:
            self._move(target, now, actor)
        others = tuple(n for n in changed if n not in {"status", "resolution_notes"})
        if others:
            self.events.append(TicketUpdated(self.id, others))
        if self.status != before:
            self.events.append(TicketStatusChanged(self.id, before.value, self.status.value))
        self._touch(now)
        return tuple(changed)

    def comment(self, body: str, *, author: Actor, now: datetime) -> TicketComment:
        """A comment by ``author``; the first by a member of staff is the first response (the
        ticket then changes: its version goes up). Raises :class:`TicketClosed` (409) on a closed
        ticket and :class:`InvalidTicket` (``body``) for a blank or too long text."""
        if self.status is TicketStatus.CLOSED:
            raise TicketClosed(f"ticket {self.id} is closed: it takes no more comments")
        text = check_text("body", body, required=True) or ""
        comment = TicketComment(
            id=TicketCommentId(new_id()), ticket_id=self.id, author=author, body=text, created_at=now
        )
        first = author.is_staff and self.first_response_at is None
        if first:
            self._set("first_response_at", now, now, author)
            self._touch(now)
        self._log(now, author, "commented", to_value=str(comment.id))
        self.events.append(TicketCommented(self.id, comment.id, first))
        return comment

    def breach(self, now: datetime, policy: SlaPolicy, *, actor: Actor) -> list[BreachKind]:
        """Mark the targets missed at ``now`` (:meth:`due_breaches`) and escalate once as
        ``policy.escalation`` says; records a :class:`TicketSlaBreached` per target. Returns the
        kinds marked (empty: nothing to do, the ticket is untouched)."""
        kinds = self.due_breaches(now)
        if not kinds:
            return []
        escalation = policy.escalation
        for kind in kinds:
            mark = f"{kind.value}_breached_at"
            setattr(self, mark, now)
            self._log(now, actor, "breached", field=kind.value, to_value=_text(self._due(kind)))
        if escalation.action is EscalationAction.RAISE_PRIORITY and self.priority.raised() != self.priority:
            self._set("priority", self.priority.raised(), now, actor)
        elif escalation.action is EscalationAction.REASSIGN:
            if self.assigned_team != escalation.team:
                self._set("assigned_team", escalation.team, now, actor)
            if self.assigned_to is not None:
                self._set("assigned_to", None, now, actor)
        for kind in kinds:
            self.events.append(
                TicketSlaBreached(
                    self.id,
                    kind.value,
                    self._due(kind),
                    now,
                    escalation.action.value,
                    self.priority.value,
                    self.assigned_team,
                )
            )
        self._touch(now)
        return kinds

    # --- inside -------------------------------------------------------------------------------------

    def _checked(self, changes: Mapping[str, object]) -> dict[str, object]:
        wanted: dict[str, object] = {}
        for name, value in changes.items():
            try:
                match name:
                    case "category":
                        wanted[name] = check_code(name, _str(name, value)) or DEFAULT_CATEGORY
                    case "assigned_team":
                        wanted[name] = check_code(name, _str(name, value))
                    case "resolution_notes":
                        wanted[name] = check_text(name, _str(name, value))
                    case "priority":
                        wanted[name] = TicketPriority(str(value))
                    case "status":
                        wanted[name] = TicketStatus(str(value))
                    case "assigned_to":
                        if value is not None and not isinstance(value, UUID):
                            raise InvalidTicket("assigned_to must be a user id", field=name)
                        wanted[name] = UserId(value) if value is not None else None
            except ValueError as exc:
                raise InvalidTicket(f"{name} has no such value: {value!r}", field=name) from exc
        return wanted

    def _due(self, kind: BreachKind) -> datetime:
        return self.first_response_due_at if kind is BreachKind.FIRST_RESPONSE else self.resolution_due_at

    def _reschedule(self, policy: SlaPolicy, now: datetime, actor: Actor) -> None:
        due = policy.due_times(self.priority, self.created_at)
        self._set("first_response_due_at", due.first_response, now, actor)
        self._set("resolution_due_at", due.resolution, now, actor)

    def _move(self, target: TicketStatus, now: datetime, actor: Actor) -> None:
        self._set("status", target, now, actor)
        if target in {TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED} and self.first_response_at is None:
            self._set("first_response_at", now, now, actor)
        if target is TicketStatus.RESOLVED:
            self._set("resolved_at", now, now, actor)
        elif target is TicketStatus.CLOSED:
            self._set("closed_at", now, now, actor)
        elif target is TicketStatus.OPEN:  # reopened
            self._set("resolved_at", None, now, actor)

    def _set(self, name: str, value: object, now: datetime, actor: Actor) -> None:
        before = getattr(self, name)
        if before == value:
            return
        setattr(self, name, value)
        if name == "resolution_notes":  # free text: named, not copied
            self._log(now, actor, "changed", field=name)
        else:
            self._log(now, actor, "changed", field=name, from_value=_text(before), to_value=_text(value))

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
        self.version += 1

    def _log(
        self,
        now: datetime,
        actor: Actor,
        action: str,
        *,
        field: str | None = None,
        from_value: str | None = None,
        to_value: str | None = None,
    ) -> None:
        self.activity.append(
            ActivityEntry(
                id=new_id(), at=now, actor=actor, action=action, field=field, from_value=from_value, to_value=to_value
            )
        )


def _str(name: str, value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise InvalidTicket(f"{name} must be text", field=name)
    return value
