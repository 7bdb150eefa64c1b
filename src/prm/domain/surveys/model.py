"""Survey templates and their answers: the questions, the rules an answer keeps, and its score.

A template (PX360's survey, FHIR Questionnaire in spirit) has ordered questions of five kinds:
``nps`` (0 to 10, "how likely are you to recommend us"), ``rating`` (1 to 5), ``single_choice``
and ``multiple_choice`` (from ``options``) and ``free_text``. One ``nps`` or ``rating`` question
is the template's score; a response whose score is below ``low_score_threshold`` is *below
threshold* (the tickets context opens a follow-up ticket on it).

Every edit of a template makes a new version; invitations keep the questions of the version
they were sent with, so a response is always checked against what the patient saw.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NewType
from uuid import UUID

from prm.domain.shared.errors import Conflict, NotFound, RuleViolated
from prm.domain.shared.ids import TenantId, new_id

SurveyTemplateId = NewType("SurveyTemplateId", UUID)

MAX_QUESTIONS = 30
MAX_OPTIONS = 20
MAX_TEXT_ANSWER = 2_000
QUESTION_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


class QuestionKind(StrEnum):
    NPS = "nps"
    RATING = "rating"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    FREE_TEXT = "free_text"


SCALES: dict[QuestionKind, tuple[int, int]] = {QuestionKind.NPS: (0, 10), QuestionKind.RATING: (1, 5)}
"""The inclusive range of the scored kinds."""


class TemplateStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class InvalidSurveyTemplate(RuleViolated):
    code = "surveys.invalid_template"


class InvalidAnswer(RuleViolated):
    """An answer that does not fit its question (HTTP 422, ``field`` ``answers.<question id>``)."""

    code = "surveys.invalid_answer"


class SurveyTemplateNotFound(NotFound):
    code = "surveys.template_not_found"


class DuplicateSurveyTemplate(Conflict):
    code = "surveys.duplicate_template"
    field = "name"


class SurveyTemplateInactive(Conflict):
    code = "surveys.template_inactive"
    field = "survey_template_id"


@dataclass(frozen=True, slots=True, kw_only=True)
class Question:
    """``id``: a short code (``recommend``, ``wait_time``), unique in the template."""

    id: str
    text: str
    kind: QuestionKind
    required: bool = True
    options: tuple[str, ...] = ()

    def check(self, index: int) -> None:
        """Raises :class:`InvalidSurveyTemplate` naming ``questions.<index>.<field>``."""
        where = f"questions.{index}"
        if not QUESTION_ID.match(self.id):
            raise InvalidSurveyTemplate("a question id is 1-40 lower-case letters, digits or _", field=f"{where}.id")
        if not self.text.strip() or len(self.text) > 500:
            raise InvalidSurveyTemplate("a question's text is 1 to 500 characters", field=f"{where}.text")
        choice = self.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)
        if choice and not 2 <= len(self.options) <= MAX_OPTIONS:
            raise InvalidSurveyTemplate(f"a choice question has 2 to {MAX_OPTIONS} options", field=f"{where}.options")
        if choice and (len(set(self.options)) != len(self.options) or any(not o.strip() for o in self.options)):
            raise InvalidSurveyTemplate("options are distinct and not blank", field=f"{where}.options")
        if not choice and self.options:
            raise InvalidSurveyTemplate("only choice questions have options", field=f"{where}.options")

    def answer(self, value: object) -> object:
        """The checked answer (an int for scales, a str, a sorted list of options), or ``None``
        for an optional question left out. Raises :class:`InvalidAnswer`."""
        where = f"answers.{self.id}"
        if value is None or value == "" or value == []:
            if self.required:
                raise InvalidAnswer("this question needs an answer", field=where)
            return None
        if self.kind in SCALES:
            low, high = SCALES[self.kind]
            number = _integer(value)
            if number is None or not low <= number <= high:
                raise InvalidAnswer(f"a whole number from {low} to {high}", field=where)
            return number
        if self.kind is QuestionKind.SINGLE_CHOICE:
            if not isinstance(value, str) or value not in self.options:
                raise InvalidAnswer("one of the question's options", field=where)
            return value
        if self.kind is QuestionKind.MULTIPLE_CHOICE:
            chosen = [value] if isinstance(value, str) else value
            if not isinstance(chosen, list) or any(c not in self.options for c in chosen):
                raise InvalidAnswer("some of the question's options", field=where)
            return sorted(set(chosen), key=self.options.index)
        if not isinstance(value, str) or len(value) > MAX_TEXT_ANSWER:
            raise InvalidAnswer(f"text of at most {MAX_TEXT_ANSWER} characters", field=where)
        return value.strip()


def _integer(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


@dataclass(slots=True, kw_only=True)
class SurveyTemplate:
    """A tenant's survey in one language (BCP 47): ordered questions, the ``score_question`` (an
    ``nps`` or ``rating`` one) and ``low_score_threshold`` (a score below it is low)."""

    id: SurveyTemplateId
    tenant_id: TenantId
    name: str
    language: str
    title: str
    questions: tuple[Question, ...]
    score_question: str
    low_score_threshold: int
    status: TemplateStatus = TemplateStatus.ACTIVE
    version: int = 1
    created_at: datetime
    updated_at: datetime
    events: list[object] = field(default_factory=list, repr=False)

    @classmethod
    def create(cls, *, tenant_id: TenantId, now: datetime, **fields: object) -> "SurveyTemplate":
        """Raises :class:`InvalidSurveyTemplate` naming the field (see :meth:`check`)."""
        template = cls(
            id=SurveyTemplateId(new_id()),
            tenant_id=tenant_id,
            created_at=now,
            updated_at=now,
            **fields,  # type: ignore[arg-type]
        )
        template.check()
        return template

    def check(self) -> None:
        """Raises :class:`InvalidSurveyTemplate` naming the field at fault."""
        if not self.name.strip() or len(self.name) > 100:
            raise InvalidSurveyTemplate("name is 1 to 100 characters", field="name")
        if not self.title.strip() or len(self.title) > 200:
            raise InvalidSurveyTemplate("title is 1 to 200 characters", field="title")
        if not LANGUAGE.match(self.language):
            raise InvalidSurveyTemplate("language is a BCP 47 tag (en, es-MX)", field="language")
        if not 1 <= len(self.questions) <= MAX_QUESTIONS:
            raise InvalidSurveyTemplate(f"1 to {MAX_QUESTIONS} questions", field="questions")
        for index, question in enumerate(self.questions):
            question.check(index)
        if len({q.id for q in self.questions}) != len(self.questions):
            raise InvalidSurveyTemplate("question ids are unique in a template", field="questions")
        scored = self.question(self.score_question)
        if scored is None or scored.kind not in SCALES:
            raise InvalidSurveyTemplate("score_question names an nps or rating question", field="score_question")
        low, high = SCALES[scored.kind]
        if not low <= self.low_score_threshold <= high + 1:
            raise InvalidSurveyTemplate(
                f"low_score_threshold is within the score's scale ({low} to {high + 1})", field="low_score_threshold"
            )

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def revise(self, changes: Mapping[str, object], now: datetime) -> None:
        """Apply ``changes`` (name, language, title, questions, score_question,
        low_score_threshold, status) as a new version; raises :class:`InvalidSurveyTemplate` and
        then leaves the template as it was."""
        before = {name: getattr(self, name) for name in changes}
        for name, value in changes.items():
            setattr(self, name, value)
        try:
            self.check()
        except InvalidSurveyTemplate:
            for name, value in before.items():
                setattr(self, name, value)
            raise
        self.version += 1
        self.updated_at = now


@dataclass(frozen=True, slots=True, kw_only=True)
class ScoredAnswers:
    answers: dict[str, object]
    score: int | None
    below_threshold: bool


def score_answers(
    questions: Sequence[Question], score_question: str, threshold: int, raw: Mapping[str, object]
) -> ScoredAnswers:
    """Check every answer of ``raw`` (question id to value) against ``questions``; raises
    :class:`InvalidAnswer` for an unknown question or a bad answer. The score is the
    ``score_question``'s answer (``None`` when left out); below threshold when it is lower."""
    known = {q.id for q in questions}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InvalidAnswer("no such question in this survey", field=f"answers.{unknown[0]}")
    answers = {}
    for question in questions:
        checked = question.answer(raw.get(question.id))
        if checked is not None:
            answers[question.id] = checked
    score = answers.get(score_question)
    number = score if isinstance(score, int) else None
    return ScoredAnswers(answers=answers, score=number, below_threshold=number is not None and number < threshold)
