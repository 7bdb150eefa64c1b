"""What a stage change schedules: its actions (on entering or completing; a survey after its
delay) and the completion of a ``delay:`` stage."""

from datetime import timedelta
from uuid import uuid4

from prm.application.journeys.ports import COMPLETE_DELAY_TASK, RUN_ACTION_TASK
from prm.application.journeys.recorder import schedule_followups
from prm.domain.journeys.model import ActionTiming, CreateTicket, SendMessage, SendSurvey, Stage, new_stage_id
from tests.fakes import FakeJobScheduler
from tests.unit.journeys.test_model import NOW, journey, start


def test_entering_and_completing_stages_schedule_their_actions_and_delays() -> None:
    first = Stage(
        id=new_stage_id(),
        name="Visit",
        order_index=1,
        actions=(
            SendMessage(template_name="welcome", channel="sms"),
            SendSurvey(survey_template_id=uuid4(), channel="sms", delay_hours=2),
            CreateTicket(title="Call back", on=ActionTiming.COMPLETE),
        ),
    )
    second = Stage(id=new_stage_id(), name="Wait", order_index=2, trigger_event="delay:30")
    template = journey(first, second)
    instance = start(template)
    scheduler = FakeJobScheduler()
    schedule_followups(scheduler, instance, template.stages, instance.events, NOW)
    assert [(j.task, j.args["action_index"]) for j in scheduler.jobs] == [(RUN_ACTION_TASK, 0)]
    instance.events.clear()
    instance.advance(NOW)
    schedule_followups(scheduler, instance, template.stages, instance.events, NOW)
    by_task = [(j.task, j.args.get("action_index"), j.after, j.at) for j in scheduler.jobs[1:]]
    assert by_task == [
        (RUN_ACTION_TASK, 1, timedelta(hours=2), None),
        (RUN_ACTION_TASK, 2, None, None),
        (COMPLETE_DELAY_TASK, None, None, NOW + timedelta(minutes=30)),
    ]
    schedule_followups(scheduler, instance, template.stages, instance.events, NOW)  # a repeat: same keys
    assert len(scheduler.jobs) == 4
