"""The surveys use cases against in-memory ports: templates, the invitation in the caller's unit
of work, and answering once."""

from datetime import timedelta

import pytest

from prm.application.shared.context import SYSTEM, RequestContext
from prm.application.surveys.answer_survey import AnswerSurvey, OpenSurvey
from prm.application.surveys.invite_to_survey import CreateSurveyInvitation, InviteToSurvey, InviteToSurveyCommand
from prm.application.surveys.ports import SurveyLinks
from prm.application.surveys.templates_manage import (
    CreateSurveyTemplate,
    SurveyTemplateInput,
    UpdateSurveyTemplate,
)
from prm.domain.shared.errors import PatientNotFound, RuleViolated, StaleVersion
from prm.domain.shared.ids import PatientId, TenantId, new_id
from prm.domain.surveys.events import SurveyInvitationCreated, SurveyResponseRecorded
from prm.domain.surveys.invitations import AlreadyAnswered, InvitationExpired, InvitationNotFound, InvitationStatus
from prm.domain.surveys.model import (
    DuplicateSurveyTemplate,
    InvalidAnswer,
    Question,
    QuestionKind,
    SurveyTemplate,
    SurveyTemplateId,
    SurveyTemplateInactive,
    SurveyTemplateNotFound,
    TemplateStatus,
)
from tests.fakes import NOW, FakeUnitOfWork, FixedClock, InMemoryAuditTrail, InMemoryOutbox
from tests.unit.surveys.fakes import (
    FakeSurveyMessages,
    FakeSurveyPatients,
    InMemoryInvitations,
    InMemoryResponses,
    InMemorySurveyTemplates,
)

TENANT = TenantId(new_id())
PATIENT = PatientId(new_id())
BASE = "https://prm.example.org"
QUESTIONS = (
    Question(id="recommend", text="Would you recommend us?", kind=QuestionKind.NPS),
    Question(id="comment", text="Anything else?", kind=QuestionKind.FREE_TEXT, required=False),
)


class World:
    def __init__(self) -> None:
        self.templates = InMemorySurveyTemplates()
        self.invitations = InMemoryInvitations()
        self.messages = FakeSurveyMessages()
        self.outbox = InMemoryOutbox()
        self.uow = FakeUnitOfWork()
        self.clock = FixedClock(NOW)
        self.context = RequestContext(tenant_id=TENANT, principal=SYSTEM)
        self.invite = InviteToSurvey(
            self.templates,
            self.invitations,
            FakeSurveyPatients(PATIENT),
            self.messages,
            SurveyLinks(BASE + "/"),
            self.outbox,
            InMemoryAuditTrail(),
            self.clock,
        )
        open_survey = OpenSurvey(self.invitations, self.invitations, self.clock)
        self.open = open_survey
        self.answer = AnswerSurvey(open_survey, InMemoryResponses(self.invitations), self.outbox, self.uow, self.clock)

    async def template(self, **changes: object) -> SurveyTemplate:
        given = {
            "name": "opd",
            "language": "en",
            "title": "Your visit",
            "questions": QUESTIONS,
            "score_question": "recommend",
            "low_score_threshold": 7,
            **changes,
        }
        create = CreateSurveyTemplate(self.templates, self.context, self.uow, self.clock)
        return await create(SurveyTemplateInput(**given))  # type: ignore[arg-type]

    async def invited(self, template: SurveyTemplate, **more: object) -> str:
        """Invite and return the token, read back from the link in the message."""
        command = InviteToSurveyCommand(template_id=template.id, patient_id=PATIENT, **more)  # type: ignore[arg-type]
        await self.invite(command)
        link = str(self.messages.sent[-1]["link"])
        assert link.startswith(f"{BASE}/api/v1/prm/surveys/respond/")
        return link.rsplit("/", 1)[1]


@pytest.fixture
def world() -> World:
    return World()


async def test_templates_are_unique_per_name_and_language(world: World) -> None:
    await world.template()
    await world.template(language="es")
    with pytest.raises(DuplicateSurveyTemplate):
        await world.template()


async def test_an_update_is_a_new_version_guarded_by_the_version_given(world: World) -> None:
    template = await world.template()
    update = UpdateSurveyTemplate(world.templates, world.uow, world.clock)
    changed = await update(template.id, {"title": "How was it?"}, version=1)
    assert changed.version == 2
    with pytest.raises(StaleVersion):
        await update(template.id, {"title": "Again"}, version=1)
    with pytest.raises(SurveyTemplateNotFound):
        await update(SurveyTemplateId(new_id()), {"title": "x"})


async def test_an_invitation_is_made_and_queued_in_the_callers_unit_without_a_commit(world: World) -> None:
    template = await world.template()
    commits = world.uow.commits
    stage = new_id()
    invitation_id = await world.invite(
        InviteToSurveyCommand(template_id=template.id, patient_id=PATIENT, channel="email", stage_id=stage)
    )
    assert world.uow.commits == commits
    sent = world.messages.sent[-1]
    assert (sent["channel"], sent["dedup_key"], sent["patient_id"]) == ("email", f"survey:{invitation_id}", PATIENT)
    token = str(sent["link"]).rsplit("/", 1)[1]
    assert str(PATIENT) not in token
    stored = world.invitations.rows[invitation_id]
    assert (stored.stage_id, stored.expires_at, world.invitations.messages.get(invitation_id) is not None) == (
        stage,
        NOW + timedelta(days=14),
        True,
    )
    assert SurveyInvitationCreated(invitation_id, template.id, PATIENT) in world.outbox.events


async def test_the_http_wrapper_commits_once(world: World) -> None:
    template = await world.template()
    commits = world.uow.commits
    await CreateSurveyInvitation(world.invite, world.uow)(
        InviteToSurveyCommand(template_id=template.id, patient_id=PATIENT)
    )
    assert world.uow.commits == commits + 1


async def test_a_dedup_key_invites_once(world: World) -> None:
    template = await world.template()
    command = InviteToSurveyCommand(template_id=template.id, patient_id=PATIENT, dedup_key="journey:1:stage:2")
    assert await world.invite(command) == await world.invite(command)
    assert len(world.messages.sent) == 1


async def test_an_invitation_refuses_what_cannot_be_sent(world: World) -> None:
    template = await world.template()
    with pytest.raises(SurveyTemplateNotFound):
        await world.invite(InviteToSurveyCommand(template_id=SurveyTemplateId(new_id()), patient_id=PATIENT))
    with pytest.raises(PatientNotFound):
        await world.invite(InviteToSurveyCommand(template_id=template.id, patient_id=PatientId(new_id())))
    with pytest.raises(RuleViolated) as excinfo:
        await world.invite(InviteToSurveyCommand(template_id=template.id, patient_id=PATIENT, channel="fax"))
    assert excinfo.value.field == "channel"
    inactive = await world.template(name="old", status=TemplateStatus.INACTIVE)
    with pytest.raises(SurveyTemplateInactive):
        await world.invite(InviteToSurveyCommand(template_id=inactive.id, patient_id=PATIENT))
    assert world.messages.sent == []


async def test_an_answer_is_stored_with_its_score_once(world: World) -> None:
    template = await world.template()
    token = await world.invited(template)
    commits = world.uow.commits
    response_id = await world.answer(token, {"recommend": "4", "comment": "slow"})
    assert world.uow.commits == commits + 1
    [response] = world.invitations.responses
    assert (response.id, response.score, response.below_threshold) == (response_id, 4, True)
    assert next(iter(world.invitations.rows.values())).status is InvitationStatus.ANSWERED
    recorded = [e for e in world.outbox.events if isinstance(e, SurveyResponseRecorded)]
    assert [(e.survey_response_id, e.score, e.below_threshold) for e in recorded] == [(response_id, 4, True)]
    with pytest.raises(AlreadyAnswered):
        await world.answer(token, {"recommend": 9})
    assert len(world.invitations.responses) == 1


async def test_a_bad_answer_names_the_question_and_stores_nothing(world: World) -> None:
    token = await world.invited(await world.template())
    with pytest.raises(InvalidAnswer) as excinfo:
        await world.answer(token, {"recommend": 11})
    assert excinfo.value.field == "answers.recommend"
    assert world.invitations.responses == []
    assert (await world.open(token)).status is InvitationStatus.SENT


async def test_an_unknown_or_expired_link_takes_no_answer(world: World) -> None:
    token = await world.invited(await world.template())
    with pytest.raises(InvitationNotFound):
        await world.answer("x" * 43, {"recommend": 9})
    world.clock.current = NOW + timedelta(days=14)
    with pytest.raises(InvitationExpired):
        await world.answer(token, {"recommend": 9})
    assert world.invitations.responses == []


async def test_a_response_answers_the_version_it_was_sent_with(world: World) -> None:
    template = await world.template()
    token = await world.invited(template)
    update = UpdateSurveyTemplate(world.templates, world.uow, world.clock)
    await update(
        template.id,
        {
            "questions": (Question(id="stars", text="Stars?", kind=QuestionKind.RATING),),
            "score_question": "stars",
            "low_score_threshold": 3,
        },
    )
    await world.answer(token, {"recommend": 10})
    assert world.invitations.responses[0].template_version == 1
