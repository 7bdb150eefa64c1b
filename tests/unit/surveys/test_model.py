"""Survey templates' rules, answers checked against their questions, and the invitation's life."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from prm.domain.shared.ids import PatientId, TenantId, new_id
from prm.domain.surveys.events import SurveyInvitationCreated, SurveyResponseRecorded
from prm.domain.surveys.invitations import (
    AlreadyAnswered,
    Invitation,
    InvitationExpired,
    InvitationStatus,
    new_token,
    token_hash,
)
from prm.domain.surveys.model import (
    InvalidAnswer,
    InvalidSurveyTemplate,
    Question,
    QuestionKind,
    SurveyTemplate,
    score_answers,
)

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
TENANT = TenantId(new_id())
PATIENT = PatientId(new_id())

QUESTIONS = (
    Question(id="recommend", text="How likely are you to recommend us?", kind=QuestionKind.NPS),
    Question(id="staff", text="How kind was the staff?", kind=QuestionKind.RATING, required=False),
    Question(id="visit", text="Which visit?", kind=QuestionKind.SINGLE_CHOICE, options=("opd", "lab")),
    Question(
        id="liked",
        text="What did you like?",
        kind=QuestionKind.MULTIPLE_CHOICE,
        options=("a", "b", "c"),
        required=False,
    ),
    Question(id="comment", text="Anything else?", kind=QuestionKind.FREE_TEXT, required=False),
)


def template(**changes: Any) -> SurveyTemplate:
    fields: dict[str, Any] = {
        "name": "opd_visit",
        "language": "en",
        "title": "Your visit",
        "questions": QUESTIONS,
        "score_question": "recommend",
        "low_score_threshold": 7,
        **changes,
    }
    return SurveyTemplate.create(tenant_id=TENANT, now=NOW, **fields)


def field_of(excinfo: pytest.ExceptionInfo[Any]) -> str | None:
    return getattr(excinfo.value, "field", None)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": " "}, "name"),
        ({"language": "english!"}, "language"),
        ({"questions": ()}, "questions"),
        ({"score_question": "comment"}, "score_question"),
        ({"score_question": "nothing"}, "score_question"),
        ({"low_score_threshold": 12}, "low_score_threshold"),
        ({"questions": (Question(id="Bad Id", text="x", kind=QuestionKind.NPS),)}, "questions.0.id"),
        (
            {"questions": (*QUESTIONS, Question(id="one", text="x", kind=QuestionKind.SINGLE_CHOICE, options=("a",)))},
            "questions.5.options",
        ),
        (
            {"questions": (*QUESTIONS, Question(id="t", text="x", kind=QuestionKind.RATING, options=("a",)))},
            "questions.5.options",
        ),
        ({"questions": (*QUESTIONS, QUESTIONS[0])}, "questions"),
    ],
)
def test_a_template_that_breaks_a_rule_names_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidSurveyTemplate) as excinfo:
        template(**changes)
    assert field_of(excinfo) == field


def test_a_revision_is_a_new_version_and_is_checked() -> None:
    survey = template()
    survey.revise({"title": "How was it?"}, NOW + timedelta(hours=1))
    assert (survey.version, survey.title, survey.updated_at) == (2, "How was it?", NOW + timedelta(hours=1))
    with pytest.raises(InvalidSurveyTemplate):
        survey.revise({"score_question": "visit"}, NOW)


def test_answers_are_checked_and_scored() -> None:
    scored = score_answers(
        QUESTIONS, "recommend", 7, {"recommend": "6", "visit": "lab", "liked": ["c", "a", "c"], "comment": " ok "}
    )
    assert scored.answers == {"recommend": 6, "visit": "lab", "liked": ["a", "c"], "comment": "ok"}
    assert (scored.score, scored.below_threshold) == (6, True)
    assert score_answers(QUESTIONS, "recommend", 7, {"recommend": 7, "visit": "opd"}).below_threshold is False


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"visit": "opd"}, "answers.recommend"),
        ({"recommend": 11, "visit": "opd"}, "answers.recommend"),
        ({"recommend": True, "visit": "opd"}, "answers.recommend"),
        ({"recommend": "nine", "visit": "opd"}, "answers.recommend"),
        ({"recommend": 9, "visit": "opd", "staff": 0}, "answers.staff"),
        ({"recommend": 9, "visit": "er"}, "answers.visit"),
        ({"recommend": 9, "visit": "opd", "liked": ["a", "z"]}, "answers.liked"),
        ({"recommend": 9, "visit": "opd", "comment": "x" * 2001}, "answers.comment"),
        ({"recommend": 9, "visit": "opd", "unknown": "x"}, "answers.unknown"),
    ],
)
def test_a_bad_answer_names_its_question(answers: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidAnswer) as excinfo:
        score_answers(QUESTIONS, "recommend", 7, answers)
    assert field_of(excinfo) == field


def test_an_optional_score_left_out_scores_nothing() -> None:
    scored = score_answers(QUESTIONS, "staff", 3, {"recommend": 9, "visit": "opd"})
    assert (scored.score, scored.below_threshold) == (None, False)


def test_the_token_is_random_and_only_its_hash_is_kept() -> None:
    token = new_token()
    assert len(token) >= 43
    assert token != new_token()
    invitation = Invitation.send(template(), patient_id=PATIENT, channel="sms", token=token, now=NOW)
    assert invitation.token_hash == token_hash(token) != token
    assert str(PATIENT) not in token
    assert invitation.expires_at == NOW + timedelta(days=14)
    assert invitation.events == [SurveyInvitationCreated(invitation.id, invitation.template_id, PATIENT)]


def test_an_invitation_keeps_its_template_version_and_takes_one_response() -> None:
    survey = template()
    stage = new_id()
    invitation = Invitation.send(
        survey, patient_id=PATIENT, channel="email", token=new_token(), now=NOW, stage_id=stage
    )
    survey.revise({"questions": QUESTIONS[:1]}, NOW)
    assert (invitation.template_version, len(invitation.questions)) == (1, len(QUESTIONS))
    scored = score_answers(invitation.questions, invitation.score_question, 7, {"recommend": 3, "visit": "opd"})
    response = invitation.answer(scored, NOW + timedelta(days=1))
    assert invitation.status is InvitationStatus.ANSWERED
    assert (response.score, response.score_kind, response.template_version) == (3, "nps", 1)
    assert invitation.events[-1] == SurveyResponseRecorded(
        survey_response_id=response.id,
        invitation_id=invitation.id,
        template_id=survey.id,
        patient_id=PATIENT,
        score=3,
        below_threshold=True,
        journey_instance_id=None,
        stage_id=stage,
    )
    with pytest.raises(AlreadyAnswered):
        invitation.answer(scored, NOW + timedelta(days=1))


def test_an_expired_invitation_takes_no_response() -> None:
    invitation = Invitation.send(template(), patient_id=PATIENT, channel="sms", token=new_token(), now=NOW)
    scored = score_answers(invitation.questions, "recommend", 7, {"recommend": 10, "visit": "opd"})
    with pytest.raises(InvitationExpired):
        invitation.answer(scored, NOW + timedelta(days=14))
    assert invitation.status is InvitationStatus.SENT
