"""Ports of the journeys context. Every implementation is tenant-scoped: it only ever sees the
rows of the tenant it was built for. Other contexts are reached through the ports at the end
(patients, organisations, messages, surveys, tickets), implemented in ``prm.adapters.journeys``."""

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from uuid import UUID

from prm.application.shared.jobs import PermanentJobFailure
from prm.application.shared.paging import Page, PageRequest
from prm.domain.journeys.ids import JourneyId, JourneyInstanceId
from prm.domain.journeys.instances import InstanceStatus, JourneyInstance
from prm.domain.journeys.model import CreateTicket, Journey, SendMessage, SendSurvey, Stage
from prm.domain.shared.ids import PatientId

RUN_ACTION_TASK = "journeys.run_stage_action"
"""Job: run one action of one stage (``{"instance_id", "stage_id", "action_index"}``)."""
COMPLETE_DELAY_TASK = "journeys.complete_delay_stage"
"""Job: complete a ``delay:<minutes>`` stage when its wait is over (``{"instance_id", "stage_id"}``)."""


class JourneyRepository(Protocol):
    """The tenant's journey templates, each version's stages kept for the instances started on it."""

    @abstractmethod
    async def add(self, journey: Journey) -> None:
        """Insert the journey and its version 1."""

    @abstractmethod
    async def get(self, journey_id: JourneyId) -> Journey | None: ...

    @abstractmethod
    async def save(self, journey: Journey, *, expected_version: int) -> None:
        """Update the journey if still at ``expected_version`` and keep its new version's stages;
        raises ``StaleVersion`` otherwise."""

    @abstractmethod
    async def stages_of(self, journey_id: JourneyId, version: int) -> Sequence[Stage] | None:
        """The stages of one version of the journey (``None``: no such version)."""

    @abstractmethod
    async def enrolling_on(self, code: str) -> Sequence[Journey]:
        """The active journeys whose trigger conditions name ``code`` (an event type or code)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class JourneyCriteria:
    journey_type: str | None = None
    is_default: bool | None = None
    is_active: bool | None = None
    organization_id: UUID | None = None


class JourneyFinder(Protocol):
    @abstractmethod
    async def find(self, criteria: JourneyCriteria, page: PageRequest) -> Page[Journey]:
        """Matching journeys by name, then id."""


class JourneyInstanceRepository(Protocol):
    """The tenant's journey instances with their stage instances."""

    @abstractmethod
    async def add(self, instance: JourneyInstance) -> None:
        """Insert; raises ``AlreadyEnrolled`` when the journey has an instance with the same
        enrolment key (encounter or appointment)."""

    @abstractmethod
    async def get(self, instance_id: JourneyInstanceId) -> JourneyInstance | None: ...

    @abstractmethod
    async def save(self, instance: JourneyInstance, *, expected_version: int) -> None:
        """Update the instance and its stages if still at ``expected_version`` (then bumps
        ``instance.version``); raises ``StaleVersion`` otherwise: at once, or (SQL: the write is
        deferred) from the unit's next statement or its commit, which then commits nothing."""

    @abstractmethod
    async def active_of(self, patient_id: PatientId) -> Sequence[JourneyInstance]:
        """The patient's active instances, oldest first."""

    async def active_of_many(self, patient_ids: Sequence[PatientId]) -> Mapping[PatientId, Sequence[JourneyInstance]]:
        """:meth:`active_of` of each patient (every one a key, with no instances if it has none),
        for a batch of events; adapters read them in one statement where they can."""
        return {patient_id: await self.active_of(patient_id) for patient_id in dict.fromkeys(patient_ids)}

    @abstractmethod
    async def enrolled(self, journey_id: JourneyId, key: str) -> bool:
        """Whether the journey has an instance with enrolment key ``key``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class InstanceCriteria:
    """``search``: an encounter id, or the patients in ``search_patients`` (an MRN resolved).
    ``journey_ids`` and ``statuses``: any of them (empty: no filter), with ``journey_id`` and
    ``status`` if given too."""

    patient_id: PatientId | None = None
    journey_id: JourneyId | None = None
    status: InstanceStatus | None = None
    journey_ids: frozenset[JourneyId] = frozenset()
    statuses: frozenset[InstanceStatus] = frozenset()
    organization_id: UUID | None = None
    search: str | None = None
    search_patients: tuple[PatientId, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class InstanceStats:
    """Counts of the tenant's instances (``by_journey``: by journey id, with the journey's name)."""

    total: int
    by_status: Mapping[str, int]
    by_journey: Sequence[tuple[JourneyId, str, int]] = field(default_factory=tuple)


class JourneyInstanceFinder(Protocol):
    @abstractmethod
    async def find(self, criteria: InstanceCriteria, page: PageRequest) -> Page[JourneyInstance]:
        """Matching instances, most recently started first (then by id)."""

    @abstractmethod
    async def count_of_patient(self, patient_id: PatientId, status: InstanceStatus) -> int:
        """How many of the patient's instances have ``status`` (one indexed count)."""

    @abstractmethod
    async def stats(self, journey_id: JourneyId | None, organization_id: UUID | None) -> InstanceStats:
        """Counts by status and by journey (one grouped, indexed query each)."""


# --- other contexts ------------------------------------------------------------------------------


class JourneyPatients(Protocol):
    """What journeys need to know of patients."""

    @abstractmethod
    async def exists(self, patient_id: PatientId) -> bool: ...

    @abstractmethod
    async def by_mrn(self, mrn: str) -> PatientId | None:
        """The patient with this medical record number (exact), if any."""


class JourneyOrganizations(Protocol):
    @abstractmethod
    async def exists(self, organization_id: UUID) -> bool:
        """Whether the tenant has this hospital or department."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StageActionRequest:
    """Which instance, stage and action an outside effect is for; ``dedup_key`` is the same on
    every attempt of the action, so that a retry never does it twice."""

    instance_id: JourneyInstanceId
    patient_id: PatientId
    stage_id: UUID
    action_index: int
    dedup_key: str
    appointment_id: UUID | None = None


class JourneyMessages(Protocol):
    """Messages from templates, through the communications context (in the caller's unit of work)."""

    @abstractmethod
    async def send(self, request: StageActionRequest, action: SendMessage) -> UUID:
        """Queue the message; returns its id (the first one's for a repeated ``dedup_key``)."""


class JourneySurveys(Protocol):
    """Survey invitations, through the surveys context."""

    @abstractmethod
    async def invite(self, request: StageActionRequest, action: SendSurvey) -> UUID:
        """Invite the patient; returns the invitation's id (the first one's for a repeated key)."""


class JourneyTickets(Protocol):
    """Tickets for the care team, through the tickets context."""

    @abstractmethod
    async def open(self, request: StageActionRequest, action: CreateTicket) -> UUID:
        """Open the ticket (linked to the journey instance); returns its id."""


class ActionUnavailable(PermanentJobFailure):
    """The context an action needs is not wired in this deployment: retrying cannot help."""
