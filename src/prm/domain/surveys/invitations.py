"""Survey invitations and responses.

An invitation is sent to one patient on one channel with a link holding a random token (only
its SHA-256 is stored: the token says nothing about the patient and cannot be rebuilt from the
database). It keeps the questions of the template version it was sent with, expires (default
14 days) and takes one response.
"""

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NewType
from uuid import UUID

from prm.domain.shared.errors import Conflict, Gone, NotFound
from prm.domain.shared.ids import PatientId, TenantId, new_id
from prm.domain.surveys.events import SurveyInvitationCreated, SurveyResponseRecorded
from prm.domain.surveys.model import Question, ScoredAnswers, SurveyTemplate, SurveyTemplateId

InvitationId = NewType("InvitationId", UUID)
ResponseId = NewType("ResponseId", UUID)

VALIDITY = timedelta(days=14)


class InvitationStatus(StrEnum):
    SENT = "sent"
    ANSWERED = "answered"


class InvitationNotFound(NotFound):
    """No invitation with this token (or id): HTTP 404, and a page that says so."""

    code = "surveys.invitation_not_found"


class InvitationExpired(Gone):
    """The link is past its expiry: HTTP 410."""

    code = "surveys.invitation_expired"


class AlreadyAnswered(Conflict):
    code = "surveys.already_answered"


def new_token() -> str:
    """A URL-safe random token (256 bits)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The hex SHA-256 of ``token`` (64 characters): what is stored and looked up."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(slots=True, kw_only=True)
class Invitation:
    """One patient invited to one survey: the template version's questions, the channel, the
    token's hash, the expiry (UTC) and the journey stage, practitioner or department it is about."""

    id: InvitationId
    tenant_id: TenantId
    template_id: SurveyTemplateId
    template_version: int
    template_name: str
    language: str
    title: str
    questions: tuple[Question, ...]
    score_question: str
    low_score_threshold: int
    patient_id: PatientId
    channel: str
    token_hash: str
    expires_at: datetime
    status: InvitationStatus = InvitationStatus.SENT
    journey_instance_id: UUID | None = None
    stage_id: UUID | None = None
    practitioner_id: UUID | None = None
    organization_id: UUID | None = None
    message_id: UUID | None = None
    dedup_key: str | None = None
    answered_at: datetime | None = None
    created_at: datetime
    events: list[object] = field(default_factory=list, repr=False)

    @classmethod
    def send(
        cls,
        template: SurveyTemplate,
        *,
        patient_id: PatientId,
        channel: str,
        token: str,
        now: datetime,
        validity: timedelta = VALIDITY,
        journey_instance_id: UUID | None = None,
        stage_id: UUID | None = None,
        practitioner_id: UUID | None = None,
        organization_id: UUID | None = None,
    ) -> "Invitation":
        invitation = cls(
            id=InvitationId(new_id()),
            tenant_id=template.tenant_id,
            template_id=template.id,
            template_version=template.version,
            template_name=template.name,
            language=template.language,
            title=template.title,
            questions=template.questions,
            score_question=template.score_question,
            low_score_threshold=template.low_score_threshold,
            patient_id=patient_id,
            channel=channel,
            token_hash=token_hash(token),
            expires_at=now + validity,
            journey_instance_id=journey_instance_id,
            stage_id=stage_id,
            practitioner_id=practitioner_id,
            organization_id=organization_id,
            created_at=now,
        )
        invitation.events.append(SurveyInvitationCreated(invitation.id, template.id, patient_id))
        return invitation

    def ensure_open(self, now: datetime) -> None:
        """Raises :class:`AlreadyAnswered` or :class:`InvitationExpired`."""
        if self.status is InvitationStatus.ANSWERED:
            raise AlreadyAnswered("this survey has already been answered")
        if now >= self.expires_at:
            raise InvitationExpired("this survey link has expired")

    def answer(self, scored: ScoredAnswers, now: datetime) -> "SurveyResponse":
        """The response for ``scored`` (checked answers), the invitation ``answered`` and
        ``survey.response_recorded`` raised; raises what :meth:`ensure_open` raises."""
        self.ensure_open(now)
        self.status, self.answered_at = InvitationStatus.ANSWERED, now
        response = SurveyResponse(
            id=ResponseId(new_id()),
            tenant_id=self.tenant_id,
            invitation_id=self.id,
            template_id=self.template_id,
            template_version=self.template_version,
            patient_id=self.patient_id,
            answers=scored.answers,
            score=scored.score,
            score_kind=next((q.kind.value for q in self.questions if q.id == self.score_question), None),
            below_threshold=scored.below_threshold,
            journey_instance_id=self.journey_instance_id,
            stage_id=self.stage_id,
            practitioner_id=self.practitioner_id,
            organization_id=self.organization_id,
            created_at=now,
        )
        self.events.append(
            SurveyResponseRecorded(
                survey_response_id=response.id,
                invitation_id=self.id,
                template_id=self.template_id,
                patient_id=self.patient_id,
                score=scored.score,
                below_threshold=scored.below_threshold,
                journey_instance_id=self.journey_instance_id,
                stage_id=self.stage_id,
            )
        )
        return response


@dataclass(frozen=True, slots=True, kw_only=True)
class SurveyResponse:
    id: ResponseId
    tenant_id: TenantId
    invitation_id: InvitationId
    template_id: SurveyTemplateId
    template_version: int
    patient_id: PatientId
    answers: dict[str, object]
    score: int | None
    score_kind: str | None
    """``nps`` or ``rating``: the scale of ``score``."""
    below_threshold: bool
    journey_instance_id: UUID | None
    stage_id: UUID | None
    practitioner_id: UUID | None
    organization_id: UUID | None
    created_at: datetime
