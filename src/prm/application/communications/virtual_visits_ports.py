"""Ports of the virtual visits part: the video-room provider, the visits' store, the appointments
it reads, and PRM's signed join links.

Tenant-scoped (REQUEST scope) unless the docstring says otherwise.
"""

from abc import abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from prm.application.shared.paging import Page, PageRequest
from prm.domain.communications.virtual_visits import Participant, VirtualVisit, VirtualVisitId, VisitWindow
from prm.domain.shared.ids import PatientId, PractitionerId, TenantId

# --------------------------------------------------------------------------- video rooms


@dataclass(frozen=True, slots=True, kw_only=True)
class VideoRoom:
    """A room at the provider and its join URLs (secrets: they carry the provider's tokens).
    ``expires_at`` is when the URLs stop letting anyone in (UTC)."""

    provider: str
    room_name: str
    patient_url: str
    practitioner_url: str
    expires_at: datetime


class VideoRoomProvider(Protocol):
    """A video-room service (Jitsi Meet, the local sink). Process-wide (APP scope)."""

    name: str

    @abstractmethod
    def new_room_name(self) -> str:
        """A fresh, unguessable room name (random, never derived from ids)."""

    @abstractmethod
    async def open_room(self, room_name: str, window: VisitWindow) -> VideoRoom:
        """Join URLs for ``room_name`` valid from ``window.opens_at`` until ``window.ends_at``,
        the practitioner's as moderator. Called again at every join (fresh tokens)."""

    @abstractmethod
    async def revoke(self, room_name: str) -> None:
        """Close ``room_name`` as far as the provider allows (its adapter says how far)."""


# --------------------------------------------------------------------------- visits


@dataclass(frozen=True, slots=True, kw_only=True)
class VisitFilter:
    appointment_id: UUID | None = None
    patient_id: PatientId | None = None


class VirtualVisitRepository(Protocol):
    """The tenant's virtual visits; one per appointment."""

    @abstractmethod
    async def add(self, visit: VirtualVisit) -> bool:
        """Store a new visit; ``False`` (nothing stored) when the appointment already has one."""

    @abstractmethod
    async def get(self, visit_id: VirtualVisitId) -> VirtualVisit | None: ...

    @abstractmethod
    async def for_appointment(self, appointment_id: UUID) -> VirtualVisit | None: ...

    @abstractmethod
    async def save(self, visit: VirtualVisit, *, expected_version: int) -> None:
        """Write a changed visit; raises ``StaleVersion`` if someone changed it since ``expected_version``."""

    @abstractmethod
    async def list(self, where: VisitFilter, page: PageRequest) -> Page[VirtualVisit]:
        """Newest first."""


class VisitsForJoining(Protocol):
    """Reads one visit of any tenant, for the public join route (the tenant comes from the
    signed link, not from a caller). Process-wide (APP scope); read-only."""

    @abstractmethod
    async def get(self, tenant_id: TenantId, visit_id: VirtualVisitId) -> VirtualVisit | None: ...


# --------------------------------------------------------------------------- appointments


@dataclass(frozen=True, slots=True, kw_only=True)
class AppointmentFacts:
    """What virtual visits need of an appointment (ids, type code, times, FHIR status)."""

    appointment_id: UUID
    patient_id: PatientId
    practitioner_id: PractitionerId
    appointment_type: str | None
    starts_at: datetime
    ends_at: datetime
    status: str


class AppointmentsForVisits(Protocol):
    """The virtual visits' view of appointments (through the appointments context's use cases)."""

    @abstractmethod
    async def get(self, appointment_id: UUID) -> AppointmentFacts | None: ...


# --------------------------------------------------------------------------- join links


@dataclass(frozen=True, slots=True, kw_only=True)
class JoinClaims:
    tenant_id: TenantId
    visit_id: VirtualVisitId
    participant: Participant


class JoinLinks(Protocol):
    """PRM's own join links (``.../virtual-visits/{id}/join?t=<token>``): what patients get, so that
    PRM decides at every click whether the visit is still open. Process-wide (APP scope)."""

    @abstractmethod
    def url(self, tenant_id: TenantId, visit_id: VirtualVisitId, participant: Participant) -> str:
        """The absolute join URL, its token signed by PRM."""

    @abstractmethod
    def verify(self, visit_id: VirtualVisitId, token: str) -> JoinClaims | None:
        """The claims of a token PRM signed for ``visit_id``; ``None`` for anything else."""


# --------------------------------------------------------------------------- for other parts


class VirtualVisits(Protocol):
    """For the reminders part: the link to put in a virtual appointment's messages."""

    @abstractmethod
    async def join_url(self, appointment_id: UUID) -> str | None:
        """The patient's PRM join link of the appointment's visit (creating the visit, in the
        caller's unit of work, if the appointment is virtual and booked but its visit is not
        there yet); ``None`` when the appointment is not virtual, unknown or its visit revoked."""
