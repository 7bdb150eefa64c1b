"""Domain events of the surveys context (ids, codes and scores only: never answers' text)."""

from dataclasses import dataclass
from typing import ClassVar
from uuid import UUID

from prm.domain.shared.events import catalogue


@dataclass(frozen=True, slots=True)
class SurveyInvitationCreated:
    TYPE: ClassVar[str] = "survey.invitation_created"
    VERSION: ClassVar[int] = 1

    invitation_id: UUID
    template_id: UUID
    patient_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class SurveyResponseRecorded:
    """A patient answered; ``below_threshold`` when the score is under the template's
    ``low_score_threshold`` (the tickets context opens a follow-up ticket)."""

    TYPE: ClassVar[str] = "survey.response_recorded"
    VERSION: ClassVar[int] = 1

    survey_response_id: UUID
    invitation_id: UUID
    template_id: UUID
    patient_id: UUID
    score: int | None
    below_threshold: bool
    journey_instance_id: UUID | None
    stage_id: UUID | None


CATALOGUE = catalogue(SurveyInvitationCreated, SurveyResponseRecorded)
