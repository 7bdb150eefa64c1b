"""The ticket aggregate: the workflow table, resolution notes, the first response, due times
on a priority change, breaches and their escalation."""

from datetime import UTC, datetime, timedelta
from itertools import product

import pytest

from prm.domain.shared.ids import PatientId, TenantId, new_id
from prm.domain.tickets.codes import BreachKind, TicketPriority, TicketSource, TicketStatus
from prm.domain.tickets.errors import InvalidTicket, TicketClosed, TransitionNotAllowed
from prm.domain.tickets.events import TicketCommented, TicketSlaBreached, TicketStatusChanged, TicketUpdated
from prm.domain.tickets.history import Actor
from prm.domain.tickets.ids import UserId
from prm.domain.tickets.model import TRANSITIONS, Ticket
from prm.domain.tickets.sla import DEFAULT_POLICY, Escalation, EscalationAction, SlaPolicy

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STAFF = Actor("user", "u-1")
SYSTEM = Actor("system", "system")
NOTES = {"resolution_notes": "done"}


def ticket(priority: TicketPriority = TicketPriority.MEDIUM, **more: object) -> Ticket:
    opened = Ticket.open(
        tenant_id=TenantId(new_id()),
        patient_id=PatientId(new_id()),
        title="  Refill  ",
        description=None,
        category=None,
        priority=priority,
        source=TicketSource.STAFF,
        policy=DEFAULT_POLICY,
        actor=STAFF,
        now=NOW,
        **more,  # type: ignore[arg-type]
    )
    opened.events.clear()
    opened.activity.clear()
    return opened


def in_status(status: TicketStatus) -> Ticket:
    t = ticket()
    path = {
        TicketStatus.OPEN: [],
        TicketStatus.IN_PROGRESS: [TicketStatus.IN_PROGRESS],
        TicketStatus.RESOLVED: [TicketStatus.RESOLVED],
        TicketStatus.CLOSED: [TicketStatus.RESOLVED, TicketStatus.CLOSED],
    }[status]
    for step in path:
        t.revise(
            {"status": step, **(NOTES if step is TicketStatus.RESOLVED else {})},
            actor=STAFF,
            now=NOW,
            policy=DEFAULT_POLICY,
        )
    return t


def test_open_trims_and_defaults_and_computes_due_times() -> None:
    t = ticket(TicketPriority.HIGH)
    assert (t.title, t.category, t.status, t.version) == ("Refill", "general", TicketStatus.OPEN, 1)
    assert (t.first_response_due_at, t.resolution_due_at) == (NOW + timedelta(hours=4), NOW + timedelta(hours=24))


@pytest.mark.parametrize(("start", "target"), list(product(TicketStatus, TicketStatus)))
def test_only_the_transitions_of_the_table_are_allowed(start: TicketStatus, target: TicketStatus) -> None:
    t = in_status(start)
    changes: dict[str, object] = {"status": target, **(NOTES if target is TicketStatus.RESOLVED else {})}
    if target == start:
        if target is not TicketStatus.RESOLVED:
            assert t.revise(changes, actor=STAFF, now=NOW, policy=DEFAULT_POLICY) == ()
        return
    if target in TRANSITIONS[start]:
        t.revise(changes, actor=STAFF, now=NOW, policy=DEFAULT_POLICY)
        assert t.status is target
        assert isinstance(t.events[-1], TicketStatusChanged)
    else:
        with pytest.raises(TransitionNotAllowed) as refused:
            t.revise(changes, actor=STAFF, now=NOW, policy=DEFAULT_POLICY)
        assert refused.value.field == "status"
        assert t.status is start


def test_resolving_needs_notes_and_notes_need_resolving() -> None:
    t = ticket()
    with pytest.raises(InvalidTicket) as missing:
        t.revise({"status": "resolved"}, actor=STAFF, now=NOW, policy=DEFAULT_POLICY)
    assert missing.value.field == "resolution_notes"
    with pytest.raises(InvalidTicket) as stray:
        t.revise({"resolution_notes": "x"}, actor=STAFF, now=NOW, policy=DEFAULT_POLICY)
    assert stray.value.field == "resolution_notes"
    assert t.version == 1


def test_moving_to_in_progress_is_the_first_response_and_reopening_clears_the_resolution() -> None:
    t = ticket()
    later = NOW + timedelta(minutes=5)
    t.revise({"status": "in_progress"}, actor=STAFF, now=later, policy=DEFAULT_POLICY)
    assert t.first_response_at == later
    t.revise({"status": "resolved", **NOTES}, actor=STAFF, now=later, policy=DEFAULT_POLICY)
    assert t.resolved_at == later
    reopened = t
    reopened.revise({"status": "open"}, actor=STAFF, now=later, policy=DEFAULT_POLICY)
    assert (reopened.status, reopened.resolved_at, reopened.first_response_at) == (TicketStatus.OPEN, None, later)


def test_a_closed_ticket_takes_no_change_or_comment() -> None:
    t = in_status(TicketStatus.CLOSED)
    with pytest.raises(TicketClosed):
        t.revise({"priority": "high"}, actor=STAFF, now=NOW, policy=DEFAULT_POLICY)
    with pytest.raises(TicketClosed):
        t.comment("late", author=STAFF, now=NOW)


def test_only_a_staff_comment_is_the_first_response() -> None:
    t = ticket()
    t.comment("from the integration", author=Actor("api_key", "k"), now=NOW)
    assert (t.first_response_at, t.version) == (None, 1)
    later = NOW + timedelta(hours=1)
    t.comment("from a person", author=STAFF, now=later)
    assert (t.first_response_at, t.version) == (later, 2)
    assert [e.first_response for e in t.events if isinstance(e, TicketCommented)] == [False, True]


def test_a_new_priority_computes_due_times_from_the_creation() -> None:
    t = ticket(TicketPriority.LOW)
    changed = t.revise(
        {"priority": "urgent", "category": "Billing"}, actor=STAFF, now=NOW + timedelta(hours=2), policy=DEFAULT_POLICY
    )
    assert set(changed) == {"priority", "category"}
    assert (t.first_response_due_at, t.resolution_due_at) == (NOW + timedelta(hours=1), NOW + timedelta(hours=4))
    assert t.category == "billing"
    (updated,) = [e for e in t.events if isinstance(e, TicketUpdated)]
    assert set(updated.changed_fields) == {"priority", "category"}
    fields = {a.field for a in t.activity}
    assert {"priority", "category", "first_response_due_at", "resolution_due_at"} <= fields


def test_a_breach_is_marked_once_and_raises_the_priority_one_step() -> None:
    t = ticket(TicketPriority.HIGH)  # 4 h / 24 h
    assert t.breach(NOW + timedelta(hours=3), DEFAULT_POLICY, actor=SYSTEM) == []
    late = NOW + timedelta(hours=5)
    assert t.breach(late, DEFAULT_POLICY, actor=SYSTEM) == [BreachKind.FIRST_RESPONSE]
    assert (t.priority, t.breached_at, t.breach_kind) == (TicketPriority.URGENT, late, BreachKind.FIRST_RESPONSE)
    assert t.resolution_due_at == NOW + timedelta(hours=24)  # an escalation keeps the due times
    assert t.breach(late, DEFAULT_POLICY, actor=SYSTEM) == []
    much_later = NOW + timedelta(hours=25)
    assert t.breach(much_later, DEFAULT_POLICY, actor=SYSTEM) == [BreachKind.RESOLUTION]
    assert t.priority is TicketPriority.URGENT  # stays at the top
    kinds = [e.breach_kind for e in t.events if isinstance(e, TicketSlaBreached)]
    assert kinds == ["first_response", "resolution"]


def test_a_reassign_escalation_hands_the_ticket_to_the_team_and_clears_the_assignee() -> None:
    t = ticket(assigned_to=UserId(new_id()), assigned_team="front")
    policy = SlaPolicy(escalation=Escalation(EscalationAction.REASSIGN, "escalations"))
    t.breach(NOW + timedelta(days=4), policy, actor=SYSTEM)
    assert (t.assigned_team, t.assigned_to, t.priority) == ("escalations", None, TicketPriority.MEDIUM)
    assert t.first_response_breached_at == t.resolution_breached_at is not None


def test_resolved_or_answered_tickets_do_not_breach_their_first_response() -> None:
    answered = ticket()
    answered.comment("hello", author=STAFF, now=NOW)
    assert answered.due_breaches(NOW + timedelta(hours=9)) == []
    done = in_status(TicketStatus.RESOLVED)
    assert done.due_breaches(NOW + timedelta(days=30)) == []
    assert not done.is_overdue(NOW + timedelta(days=30))
