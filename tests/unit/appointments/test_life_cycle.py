"""The appointment life cycle as a Hypothesis state machine: any sequence of moves, at any time,
only ever follows the FHIR transitions of ``domain.appointments.model``; no un-cancel, nothing
fulfilled or no-show before the start; every accepted move records its event."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from prm.domain.appointments.errors import InvalidTransition, SlotInThePast
from prm.domain.appointments.events import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentFulfilled,
    AppointmentNoShow,
    AppointmentRescheduled,
)
from prm.domain.appointments.model import (
    RESCHEDULABLE,
    TRANSITIONS,
    Appointment,
    AppointmentStatus,
    CancellationReason,
    TimeSlot,
)
from prm.domain.shared.ids import PatientId, PractitionerId, TenantId

S = AppointmentStatus
START = datetime(2026, 5, 1, 9, tzinfo=UTC)
FINAL = {S.ENTERED_IN_ERROR}


class LifeCycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = START - timedelta(days=3)
        self.appointment = Appointment.book(
            tenant_id=TenantId(uuid4()),
            patient_id=PatientId(uuid4()),
            practitioner_id=PractitionerId(uuid4()),
            location_id=None,
            slot=TimeSlot(START, START + timedelta(minutes=30)),
            now=self.now,
        )
        self.history = [S.BOOKED]
        assert isinstance(self.appointment.events[-1], AppointmentBooked)

    @rule(hours=st.integers(-12, 72))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=max(hours, 0))

    @rule(status=st.sampled_from([s for s in S if s is not S.CANCELLED]))
    def move(self, status: AppointmentStatus) -> None:
        before = self.appointment.status
        events = len(self.appointment.events)
        allowed = status is before or status in TRANSITIONS[before]
        too_early = status in {S.FULFILLED, S.NOSHOW} and self.now < self.appointment.slot.starts_at
        too_early |= status in {S.ARRIVED, S.CHECKED_IN} and self.now < self.appointment.slot.starts_at - timedelta(
            days=1
        )
        if allowed and (status is before or not too_early):
            self.appointment.move_to(status, self.now)
            assert self.appointment.status is status
            if status is not before:
                self.history.append(status)
                assert len(self.appointment.events) == events + 1
                if status is S.FULFILLED:
                    assert isinstance(self.appointment.events[-1], AppointmentFulfilled)
                if status is S.NOSHOW:
                    assert isinstance(self.appointment.events[-1], AppointmentNoShow)
        else:
            with pytest.raises(InvalidTransition):
                self.appointment.move_to(status, self.now)
            assert self.appointment.status is before
            assert len(self.appointment.events) == events

    @rule(reason=st.sampled_from(list(CancellationReason)))
    def cancel(self, reason: CancellationReason) -> None:
        before = self.appointment.status
        if S.CANCELLED in TRANSITIONS[before]:
            self.appointment.cancel(reason, self.now)
            assert isinstance(self.appointment.events[-1], AppointmentCancelled)
            self.history.append(S.CANCELLED)
        else:
            with pytest.raises(InvalidTransition):
                self.appointment.cancel(reason, self.now)
            assert self.appointment.status is before

    @rule(hours=st.integers(-48, 240))
    def reschedule(self, hours: int) -> None:
        start = START + timedelta(hours=hours)
        slot = TimeSlot(start, start + timedelta(minutes=30))
        before = self.appointment.slot
        if slot == before:
            return
        if self.appointment.status not in RESCHEDULABLE:
            with pytest.raises(InvalidTransition):
                self.appointment.reschedule(slot, self.now)
        elif start <= self.now:
            with pytest.raises(SlotInThePast):
                self.appointment.reschedule(slot, self.now)
        else:
            self.appointment.reschedule(slot, self.now)
            assert isinstance(self.appointment.events[-1], AppointmentRescheduled)
            return
        assert self.appointment.slot == before

    @invariant()
    def only_allowed_moves_happened(self) -> None:
        for previous, current in zip(self.history, self.history[1:], strict=False):
            assert current in TRANSITIONS[previous]
        if S.CANCELLED in self.history:  # no un-cancel
            assert self.history[self.history.index(S.CANCELLED) + 1 :] in ([], [S.ENTERED_IN_ERROR])

    @invariant()
    def version_counts_the_changes(self) -> None:
        assert self.appointment.version == 1 + len(self.appointment.events) - 1


TestLifeCycle = LifeCycle.TestCase
TestLifeCycle.settings = settings(max_examples=150, stateful_step_count=30, deadline=None)
