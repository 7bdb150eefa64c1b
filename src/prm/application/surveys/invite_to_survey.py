"""Invite a patient to a survey: the public use case other contexts call (journeys' stage
actions) and ``POST /surveys/invitations`` wraps."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import structlog

from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.application.surveys.ports import (
    InvitationRepository,
    SurveyLinks,
    SurveyMessages,
    SurveyPatients,
    SurveyTemplateRepository,
)
from prm.domain.shared.errors import PatientNotFound, RuleViolated
from prm.domain.shared.ids import PatientId
from prm.domain.surveys.invitations import VALIDITY, Invitation, InvitationId, new_token
from prm.domain.surveys.model import SurveyTemplateId, SurveyTemplateInactive, SurveyTemplateNotFound, TemplateStatus

log = structlog.get_logger(__name__)

CHANNELS = frozenset({"sms", "whatsapp", "email"})
ENTITY = "survey_invitation"


@dataclass(frozen=True, slots=True, kw_only=True)
class InviteToSurveyCommand:
    """``send_at``: when the invitation message goes (``None``: now); ``dedup_key`` makes a
    repeated call (a retried job) return the first invitation."""

    template_id: SurveyTemplateId
    patient_id: PatientId
    channel: str = "sms"
    send_at: datetime | None = None
    journey_instance_id: UUID | None = None
    stage_id: UUID | None = None
    practitioner_id: UUID | None = None
    organization_id: UUID | None = None
    validity: timedelta = VALIDITY
    dedup_key: str | None = None


class InviteToSurvey:
    """Store the invitation and queue its message (the built-in ``survey_invitation`` template
    with the answer page's link) in the caller's unit of work, **without committing**; returns
    the invitation's id. Raises ``SurveyTemplateNotFound`` (404), ``SurveyTemplateInactive``
    (409), ``PatientNotFound`` (404) and ``RuleViolated`` naming ``channel`` (422)."""

    def __init__(
        self,
        templates: SurveyTemplateRepository,
        invitations: InvitationRepository,
        patients: SurveyPatients,
        messages: SurveyMessages,
        links: SurveyLinks,
        outbox: Outbox,
        audit: AuditTrail,
        clock: Clock,
    ) -> None:
        self._templates = templates
        self._invitations = invitations
        self._patients = patients
        self._messages = messages
        self._links = links
        self._outbox = outbox
        self._audit = audit
        self._clock = clock

    async def __call__(self, command: InviteToSurveyCommand) -> InvitationId:
        if command.dedup_key is not None:
            existing = await self._invitations.by_dedup_key(command.dedup_key)
            if existing is not None:
                return existing.id
        if command.channel not in CHANNELS:
            raise RuleViolated(f"channel is one of {', '.join(sorted(CHANNELS))}", field="channel")
        template = await self._templates.get(command.template_id)
        if template is None:
            raise SurveyTemplateNotFound(f"survey template {command.template_id} not found")
        if template.status is not TemplateStatus.ACTIVE:
            raise SurveyTemplateInactive("the survey template is inactive")
        if not await self._patients.exists(command.patient_id):
            raise PatientNotFound(f"patient {command.patient_id} not found")
        now = self._clock.now()
        token = new_token()
        invitation = Invitation.send(
            template,
            patient_id=command.patient_id,
            channel=command.channel,
            token=token,
            now=now,
            validity=command.validity,
            journey_instance_id=command.journey_instance_id,
            stage_id=command.stage_id,
            practitioner_id=command.practitioner_id,
            organization_id=command.organization_id,
        )
        invitation.dedup_key = command.dedup_key
        await self._invitations.add(invitation)
        message_id = await self._messages.send(
            patient_id=command.patient_id,
            channel=command.channel,
            link=self._links.answer_page(token),
            send_at=command.send_at,
            dedup_key=f"survey:{invitation.id}",
            journey_instance_id=command.journey_instance_id,
        )
        await self._invitations.set_message(invitation.id, message_id)
        await self._outbox.add(invitation.events)
        invitation.events.clear()
        await self._audit.record(AuditAction.CREATE, ENTITY, [invitation.id])
        log.info("survey.invited", invitation_id=str(invitation.id), channel=command.channel)
        return invitation.id


class CreateSurveyInvitation:
    """``POST /surveys/invitations``: :class:`InviteToSurvey`, committed."""

    def __init__(self, invite: InviteToSurvey, uow: UnitOfWork) -> None:
        self._invite = invite
        self._uow = uow

    async def __call__(self, command: InviteToSurveyCommand) -> InvitationId:
        invitation_id = await self._invite(command)
        await self._uow.commit()
        return invitation_id
