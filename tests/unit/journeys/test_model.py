"""The journeys domain: templates (stages, triggers, versions) and instances (stage statuses,
completion, progress), with Hypothesis over any sequence of stage events."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prm.domain.journeys.errors import DuplicateStageOrder, InstanceNotActive, InvalidJourney, JourneyInactive
from prm.domain.journeys.instances import InstanceStatus, JourneyInstance, StageStatus
from prm.domain.journeys.model import (
    Journey,
    JourneyDetails,
    SendMessage,
    Stage,
    TriggerKind,
    new_stage_id,
    parse_trigger,
)
from prm.domain.shared.ids import PatientId, TenantId, new_id

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
TENANT = TenantId(new_id())
CODES = ("OPD_VISIT_COMPLETED", "LAB_ORDER_COMPLETED", "PHARMACY_DISPENSED", "appointment.fulfilled")


def stage(order: int, trigger: str = "manual", *, optional: bool = False, active: bool = True) -> Stage:
    return Stage(
        id=new_stage_id(),
        name=f"Stage {order}",
        order_index=order,
        trigger_event=trigger,
        is_optional=optional,
        is_active=active,
    )


def journey(*stages: Stage, **details: object) -> Journey:
    return Journey.create(
        tenant_id=TENANT,
        details=JourneyDetails(name="OPD", journey_type="opd", **details),  # type: ignore[arg-type]
        stages=stages,
        now=NOW,
    )


def start(template: Journey) -> JourneyInstance:
    return JourneyInstance.start(
        tenant_id=TENANT,
        journey_id=template.id,
        journey_version=template.version,
        stages=template.stages,
        patient_id=PatientId(new_id()),
        now=NOW,
    )


def test_triggers_are_parsed_by_kind_and_bad_ones_refused() -> None:
    assert parse_trigger("manual").kind is TriggerKind.MANUAL
    assert parse_trigger("delay:90").minutes == 90
    assert parse_trigger("OPD_VISIT_COMPLETED").kind is TriggerKind.INTEGRATION
    assert parse_trigger("appointment.fulfilled").kind is TriggerKind.PRM
    for bad in ("delay:0", "delay:x", "Opd visit", "", "appointment"):
        with pytest.raises(InvalidJourney):
            parse_trigger(bad)


def test_stage_orders_are_unique_within_a_journey() -> None:
    with pytest.raises(DuplicateStageOrder) as raised:
        journey(stage(1), stage(1))
    assert raised.value.field == "stages.1.order_index"
    template = journey(stage(1), stage(2))
    with pytest.raises(DuplicateStageOrder):
        template.add_stage(stage(2), NOW)
    with pytest.raises(DuplicateStageOrder):
        template.revise_stage(template.stages[0].id, {"order_index": 2}, NOW)
    assert template.version == 1


def test_trigger_conditions_need_one_event_and_enrol_on_matching_payloads() -> None:
    with pytest.raises(InvalidJourney):
        JourneyDetails(name="X", journey_type="opd", trigger_conditions={"appointment_type": "new"})
    details = JourneyDetails(
        name="X", journey_type="onboarding", trigger_conditions={"event": "appointment.booked", "kind": "new_patient"}
    )
    assert details.enrols_on("appointment.booked", {"kind": "new_patient"})
    assert not details.enrols_on("appointment.booked", {"kind": "follow_up"})
    assert not details.enrols_on("appointment.booked", {})
    assert not details.enrols_on("appointment.fulfilled", {"kind": "new_patient"})


def test_every_edit_bumps_the_version() -> None:
    template = journey(stage(1))
    template.revise({"description": "changed"}, NOW)
    template.add_stage(stage(2), NOW)
    template.revise_stage(
        template.stages[1].id, {"actions": (SendMessage(template_name="welcome", channel="sms"),)}, NOW
    )
    assert template.version == 4
    assert template.revise({"description": "changed"}, NOW) == ()
    assert template.version == 4


def test_an_instance_starts_on_active_stages_with_the_first_in_progress() -> None:
    template = journey(stage(1), stage(2, active=False), stage(3))
    instance = start(template)
    assert [s.status for s in instance.stages] == [StageStatus.IN_PROGRESS, StageStatus.PENDING]
    with pytest.raises(JourneyInactive):
        start(journey(stage(1, active=False)))


def test_the_last_required_stage_completes_the_instance_and_skips_what_is_left() -> None:
    template = journey(stage(1, "OPD_VISIT_COMPLETED"), stage(2, "LAB_ORDER_COMPLETED"), stage(3, optional=True))
    instance = start(template)
    assert instance.complete_on("LAB_ORDER_COMPLETED", "e1", NOW) is not None
    assert instance.status is InstanceStatus.COMPLETED
    assert [s.status for s in instance.stages] == [StageStatus.SKIPPED, StageStatus.COMPLETED, StageStatus.SKIPPED]
    assert instance.completion_percentage == 100
    with pytest.raises(InstanceNotActive):
        instance.advance(NOW)


def test_an_event_applies_once_and_not_to_a_cancelled_instance() -> None:
    template = journey(stage(1, "OPD_VISIT_COMPLETED"), stage(2, "OPD_VISIT_COMPLETED"), stage(3))
    instance = start(template)
    assert instance.complete_on("OPD_VISIT_COMPLETED", "e1", NOW) is not None
    assert instance.complete_on("OPD_VISIT_COMPLETED", "e1", NOW) is None  # a replay
    instance.cancel(NOW)
    assert instance.complete_on("OPD_VISIT_COMPLETED", "e2", NOW) is None
    with pytest.raises(InstanceNotActive):
        instance.cancel(NOW)


# --- properties ----------------------------------------------------------------------------------

stage_specs = st.lists(st.tuples(st.sampled_from((*CODES, "manual", "delay:5")), st.booleans()), min_size=1, max_size=6)
step = st.one_of(
    st.tuples(st.just("event"), st.sampled_from(CODES), st.integers(0, 5)),
    st.tuples(st.just("advance"), st.just(""), st.just(0)),
    st.tuples(st.just("delay"), st.just(""), st.integers(0, 5)),
    st.tuples(st.just("cancel"), st.just(""), st.just(0)),
)


def _apply(instance: JourneyInstance, action: tuple[str, str, int], at: datetime, n: int) -> None:
    kind, code, index = action
    try:
        if kind == "event":
            instance.complete_on(code, f"e{n}-{index}", at)
        elif kind == "advance":
            instance.advance(at)
        elif kind == "delay":
            instance.complete_delay(instance.stages[index % len(instance.stages)].stage_id, at)
        else:
            instance.cancel(at)
    except InstanceNotActive:
        pass


def _check_rules(instance: JourneyInstance) -> None:
    statuses = [s.status for s in instance.stages]
    assert 0 <= instance.completion_percentage <= 100
    if instance.status is InstanceStatus.ACTIVE:
        assert statuses.count(StageStatus.IN_PROGRESS) == 1
        first_unfinished = next(s for s in instance.stages if not s.status.finished)
        assert first_unfinished.status is StageStatus.IN_PROGRESS
        assert StageStatus.SKIPPED not in statuses
    if instance.status is InstanceStatus.COMPLETED:
        assert all(s.finished for s in statuses)
        required = [s for s in instance.stages if not s.is_optional] or instance.stages[-1:]
        assert required[-1].status is StageStatus.COMPLETED
        assert instance.completed_at is not None
    for s in instance.stages:
        assert (s.status is StageStatus.COMPLETED) == (s.completed_at is not None)


@settings(max_examples=200, deadline=None)
@given(specs=stage_specs, steps=st.lists(step, max_size=20))
def test_any_order_of_stage_events_leaves_an_allowed_state_and_progress_never_goes_down(
    specs: list[tuple[str, bool]], steps: list[tuple[str, str, int]]
) -> None:
    template = journey(*(stage(i, trigger, optional=optional) for i, (trigger, optional) in enumerate(specs)))
    instance = start(template)
    seen = instance.completion_percentage
    _check_rules(instance)
    for n, action in enumerate(steps):
        before = instance.status
        _apply(instance, action, NOW + timedelta(minutes=n), n)
        _check_rules(instance)
        assert instance.completion_percentage >= seen
        seen = instance.completion_percentage
        if before is not InstanceStatus.ACTIVE:
            assert instance.status is before  # completed and cancelled are final


@settings(max_examples=100, deadline=None)
@given(specs=stage_specs, edits=st.lists(st.sampled_from(("rename", "add", "reorder")), max_size=6))
def test_an_instance_keeps_its_journey_version_whatever_the_template_becomes(
    specs: list[tuple[str, bool]], edits: list[str]
) -> None:
    template = journey(*(stage(i, trigger, optional=optional) for i, (trigger, optional) in enumerate(specs)))
    instance = start(template)
    pinned = [(s.stage_id, s.name, s.trigger_event) for s in instance.stages]
    for n, edit in enumerate(edits):
        if edit == "rename":
            template.revise_stage(template.stages[0].id, {"name": f"Renamed {n}"}, NOW)
        elif edit == "add":
            template.add_stage(stage(100 + n, "LAB_ORDER_COMPLETED"), NOW)
        else:
            template.revise_stage(template.stages[-1].id, {"order_index": 1000 + n}, NOW)
    assert instance.journey_version == 1
    assert template.version == 1 + len(edits)
    assert [(s.stage_id, s.name, s.trigger_event) for s in instance.stages] == pinned
