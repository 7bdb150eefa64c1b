"""In-memory stand-ins for the surveys context's ports (one tenant each)."""

from dataclasses import replace
from datetime import datetime
from uuid import UUID

from prm.application.shared.paging import Page, PageRequest
from prm.application.surveys.ports import (
    InvitationRepository,
    ResponseRepository,
    SurveyMessages,
    SurveyPatients,
    SurveyTemplateRepository,
    TokenLookup,
)
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PatientId, new_id
from prm.domain.surveys.invitations import (
    AlreadyAnswered,
    Invitation,
    InvitationId,
    InvitationStatus,
    SurveyResponse,
)
from prm.domain.surveys.model import DuplicateSurveyTemplate, SurveyTemplate, SurveyTemplateId


class InMemorySurveyTemplates(SurveyTemplateRepository):
    def __init__(self) -> None:
        self.rows: dict[SurveyTemplateId, SurveyTemplate] = {}

    async def add(self, template: SurveyTemplate) -> None:
        if any((t.name, t.language) == (template.name, template.language) for t in self.rows.values()):
            raise DuplicateSurveyTemplate("the tenant has a survey template of this name in this language")
        self.rows[template.id] = replace(template, events=[])

    async def get(self, template_id: SurveyTemplateId) -> SurveyTemplate | None:
        found = self.rows.get(template_id)
        return replace(found, events=[]) if found else None

    async def save(self, template: SurveyTemplate, *, expected_version: int) -> None:
        if self.rows[template.id].version != expected_version:
            raise StaleVersion("changed meanwhile")
        self.rows[template.id] = replace(template, events=[])

    async def remove(self, template_id: SurveyTemplateId) -> None:
        self.rows.pop(template_id, None)

    async def list_page(self, page: PageRequest, *, name: str | None = None) -> Page[SurveyTemplate]:
        found = sorted(
            (t for t in self.rows.values() if name is None or t.name == name), key=lambda t: (t.name, t.language)
        )
        start = (page.page - 1) * page.page_size
        items = found[start : start + page.page_size]
        return Page(items=items, total=len(found), page=page.page, page_size=page.page_size)


class InMemoryInvitations(InvitationRepository, TokenLookup):
    def __init__(self) -> None:
        self.rows: dict[InvitationId, Invitation] = {}
        self.responses: list[SurveyResponse] = []
        self.messages: dict[InvitationId, UUID] = {}

    async def add(self, invitation: Invitation) -> None:
        self.rows[invitation.id] = replace(invitation, events=[])

    async def get(self, invitation_id: InvitationId) -> Invitation | None:
        found = self.rows.get(invitation_id)
        return replace(found, events=[]) if found else None

    async def by_dedup_key(self, dedup_key: str) -> Invitation | None:
        return next((replace(i, events=[]) for i in self.rows.values() if i.dedup_key == dedup_key), None)

    async def set_message(self, invitation_id: InvitationId, message_id: UUID) -> None:
        self.messages[invitation_id] = message_id

    async def invitation(self, token_hash: str) -> Invitation | None:
        return next((replace(i, events=[]) for i in self.rows.values() if i.token_hash == token_hash), None)

    async def save_invitation(self, invitation: Invitation) -> None:
        if self.rows[invitation.id].status is not InvitationStatus.SENT:
            raise AlreadyAnswered("this survey has already been answered")
        self.rows[invitation.id] = replace(invitation, events=[])

    async def add_response(self, response: SurveyResponse) -> None:
        self.responses.append(response)


class InMemoryResponses(ResponseRepository):
    """The responses side of :class:`InMemoryInvitations` (the SQL adapter is one class too)."""

    def __init__(self, invitations: InMemoryInvitations) -> None:
        self._invitations = invitations

    async def add(self, response: SurveyResponse) -> None:
        await self._invitations.add_response(response)

    async def save_invitation(self, invitation: Invitation) -> None:
        await self._invitations.save_invitation(invitation)


class FakeSurveyMessages(SurveyMessages):
    def __init__(self) -> None:
        self.sent: list[dict[str, object]] = []

    async def send(
        self,
        *,
        patient_id: PatientId,
        channel: str,
        link: str,
        send_at: datetime | None,
        dedup_key: str,
        journey_instance_id: UUID | None = None,
    ) -> UUID:
        self.sent.append(
            {"patient_id": patient_id, "channel": channel, "link": link, "send_at": send_at, "dedup_key": dedup_key}
        )
        return new_id()


class FakeSurveyPatients(SurveyPatients):
    def __init__(self, *known: PatientId) -> None:
        self.known = set(known)

    async def exists(self, patient_id: PatientId) -> bool:
        return patient_id in self.known
