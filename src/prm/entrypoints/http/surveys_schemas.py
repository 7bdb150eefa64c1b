"""Wire schemas of the surveys context (snake_case JSON, msgspec)."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec

from prm.application.surveys.survey_results import ResultRow
from prm.domain.surveys.model import MAX_OPTIONS, MAX_QUESTIONS, Question, QuestionKind, SurveyTemplate, TemplateStatus
from prm.entrypoints.http.patching import given_fields

Text = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
QuestionCode = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,39}$", examples=["recommend"])]
Option = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Language = Annotated[str, msgspec.Meta(max_length=35, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", examples=["en"])]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Threshold = Annotated[int, msgspec.Meta(ge=0, le=11, description="A score below it is low (opens a ticket)")]
Channel = Annotated[str, msgspec.Meta(pattern="^(sms|whatsapp|email)$")]


class Struct(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Request bodies: unknown fields are refused."""


class QuestionBody(Struct, frozen=True):
    """``nps`` 0-10, ``rating`` 1-5, ``single_choice`` / ``multiple_choice`` (with 2 to 20
    ``options``), ``free_text``."""

    id: QuestionCode
    text: Text
    kind: QuestionKind
    required: bool = True
    options: Annotated[list[Option], msgspec.Meta(max_length=MAX_OPTIONS)] = msgspec.field(default_factory=list)

    def to_question(self) -> Question:
        return Question(id=self.id, text=self.text, kind=self.kind, required=self.required, options=tuple(self.options))


Questions = Annotated[list[QuestionBody], msgspec.Meta(min_length=1, max_length=MAX_QUESTIONS)]


class CreateSurveyTemplateRequest(Struct, frozen=True):
    """``score_question``: the id of the ``nps`` or ``rating`` question that scores a response."""

    name: Name
    title: Title
    questions: Questions
    score_question: QuestionCode
    low_score_threshold: Threshold
    language: Language = "en"
    status: TemplateStatus = TemplateStatus.ACTIVE


class UpdateSurveyTemplateRequest(Struct, frozen=True):
    """The fields to change (a new version); ``version``, when given, must be the current one."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    language: Language | msgspec.UnsetType = msgspec.UNSET
    title: Title | msgspec.UnsetType = msgspec.UNSET
    questions: Questions | msgspec.UnsetType = msgspec.UNSET
    score_question: QuestionCode | msgspec.UnsetType = msgspec.UNSET
    low_score_threshold: Threshold | msgspec.UnsetType = msgspec.UNSET
    status: TemplateStatus | msgspec.UnsetType = msgspec.UNSET
    version: Annotated[int, msgspec.Meta(ge=1)] | None = None

    def changes(self) -> dict[str, object]:
        """The fields given (but ``version``), questions as domain values."""

        def domain(value: object) -> object:
            return tuple(q.to_question() for q in value) if isinstance(value, list) else value

        return given_fields(self, domain, skip=("version",))


class QuestionResponse(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    text: str
    kind: QuestionKind
    required: bool
    options: list[str]


class SurveyTemplateResponse(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    name: str
    language: str
    title: str
    questions: list[QuestionResponse]
    score_question: str
    low_score_threshold: int
    status: TemplateStatus
    version: int
    created_at: datetime
    updated_at: datetime


def template_response(t: SurveyTemplate) -> SurveyTemplateResponse:
    return SurveyTemplateResponse(
        id=t.id,
        name=t.name,
        language=t.language,
        title=t.title,
        questions=[
            QuestionResponse(id=q.id, text=q.text, kind=q.kind, required=q.required, options=list(q.options))
            for q in t.questions
        ],
        score_question=t.score_question,
        low_score_threshold=t.low_score_threshold,
        status=t.status,
        version=t.version,
        created_at=t.created_at,
        updated_at=t.updated_at,
    )


class CreateInvitationRequest(Struct, frozen=True):
    """Invite ``patient_id`` to the survey on ``channel``; ``send_at`` (RFC 3339) delays the
    message; the ids link the response to a journey stage, a practitioner or a department."""

    survey_template_id: UUID
    patient_id: UUID
    channel: Channel = "sms"
    send_at: Annotated[datetime, msgspec.Meta(tz=True)] | None = None
    journey_instance_id: UUID | None = None
    stage_id: UUID | None = None
    practitioner_id: UUID | None = None
    organization_id: UUID | None = None


class InvitationResponse(msgspec.Struct, frozen=True, kw_only=True):
    """The invitation's id (the link itself goes only to the patient)."""

    id: UUID


class AnswersRequest(Struct, frozen=True):
    """Question id to answer: a number for ``nps``/``rating``, an option for ``single_choice``, a
    list of options for ``multiple_choice``, text for ``free_text``."""

    answers: dict[str, Any]


class AnsweredResponse(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    thanks: str = "Thank you for your answers."


class ResultRowResponse(msgspec.Struct, frozen=True, kw_only=True):
    """``nps`` in points (-100 to 100), ``csat`` in percent, ``response_rate`` 0 to 1; ``key``:
    the group's id (``null`` overall)."""

    key: str | None
    invitations: int
    responses: int
    response_rate: float
    nps: float | None
    csat: float | None
    mean_score: float | None


class ResultsResponse(msgspec.Struct, frozen=True, kw_only=True):
    group_by: str | None
    rows: list[ResultRowResponse]


def result_row(row: ResultRow) -> ResultRowResponse:
    return ResultRowResponse(
        key=row.key,
        invitations=row.invitations,
        responses=row.responses,
        response_rate=row.response_rate,
        nps=row.nps,
        csat=row.csat,
        mean_score=row.mean_score,
    )
