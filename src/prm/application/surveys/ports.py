"""Ports of the surveys context. Repositories are tenant-scoped, except the public answer page's
look-up by token (:class:`InvitationsByToken`), which finds the tenant from the token itself."""

from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from prm.application.shared.paging import Page, PageRequest
from prm.domain.shared.ids import PatientId, TenantId
from prm.domain.surveys.invitations import Invitation, InvitationId, SurveyResponse
from prm.domain.surveys.model import SurveyTemplate, SurveyTemplateId


class SurveyTemplateRepository(Protocol):
    @abstractmethod
    async def add(self, template: SurveyTemplate) -> None:
        """Raises ``Conflict`` (``surveys.duplicate_template``) for a name and language taken."""

    @abstractmethod
    async def get(self, template_id: SurveyTemplateId) -> SurveyTemplate | None: ...

    @abstractmethod
    async def save(self, template: SurveyTemplate, *, expected_version: int) -> None: ...

    @abstractmethod
    async def remove(self, template_id: SurveyTemplateId) -> None: ...

    @abstractmethod
    async def list_page(self, page: PageRequest, *, name: str | None = None) -> Page[SurveyTemplate]: ...


class InvitationRepository(Protocol):
    @abstractmethod
    async def add(self, invitation: Invitation) -> None: ...

    @abstractmethod
    async def get(self, invitation_id: InvitationId) -> Invitation | None: ...

    @abstractmethod
    async def by_dedup_key(self, dedup_key: str) -> Invitation | None: ...

    @abstractmethod
    async def set_message(self, invitation_id: InvitationId, message_id: UUID) -> None: ...


class InvitationsByToken(Protocol):
    """The public page's first look-up, before any tenant is known (APP scope): which tenant a
    token's hash belongs to, from an index that holds hashes and tenant ids only."""

    @abstractmethod
    async def tenant_of(self, token_hash: str) -> TenantId | None: ...


class TokenLookup(Protocol):
    """The invitation of a token's hash in the unit's tenant."""

    @abstractmethod
    async def invitation(self, token_hash: str) -> Invitation | None: ...


class ResponseRepository(Protocol):
    @abstractmethod
    async def add(self, response: SurveyResponse) -> None: ...

    @abstractmethod
    async def save_invitation(self, invitation: Invitation) -> None:
        """Mark the invitation answered; raises ``AlreadyAnswered`` when another response won."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ResultFilter:
    template_id: SurveyTemplateId | None = None
    stage_id: UUID | None = None
    organization_id: UUID | None = None
    practitioner_id: UUID | None = None
    journey_instance_id: UUID | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ResultCounts:
    """Of one group: invitations sent, responses, scored NPS responses with promoters (9-10) and
    detractors (0-6), scored rating responses with satisfied ones (4-5), and the mean score."""

    key: str | None
    invitations: int
    responses: int
    nps_scored: int = 0
    promoters: int = 0
    detractors: int = 0
    rated: int = 0
    satisfied: int = 0
    mean_score: float | None = None


class SurveyResults(Protocol):
    @abstractmethod
    async def counts(self, where: ResultFilter, group_by: str | None) -> Sequence[ResultCounts]:
        """One row per group (``group_by``: ``template``, ``stage``, ``organization``,
        ``practitioner``, or ``None`` for one row), from one aggregate query each."""


class SurveyMessages(Protocol):
    """Sends the invitation through the communications context (in the caller's unit of work)."""

    @abstractmethod
    async def send(
        self,
        *,
        patient_id: PatientId,
        channel: str,
        link: str,
        send_at: datetime | None,
        dedup_key: str,
        journey_instance_id: UUID | None = None,
    ) -> UUID: ...


class SurveyPatients(Protocol):
    @abstractmethod
    async def exists(self, patient_id: PatientId) -> bool: ...


@dataclass(frozen=True, slots=True)
class SurveyLinks:
    """Where patients reach PRM (``PRM_PUBLIC_BASE_URL``): the answer page is
    ``{base_url}/api/v1/prm/surveys/respond/{token}``."""

    base_url: str

    def answer_page(self, token: str) -> str:
        return f"{self.base_url.rstrip('/')}/api/v1/prm/surveys/respond/{token}"
