"""Ports of the communications context's consent part (tenant-scoped: built for one tenant,
they only ever see its rows)."""

from abc import abstractmethod
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from uuid import UUID

from prm.application.communications.contracts import SendDecision, SendPolicy, SendRequestFacts
from prm.application.shared.paging import Page, PageRequest
from prm.domain.communications.channels import Channel
from prm.domain.communications.consent import ConsentRecord, ConsentState, ConsentStatus
from prm.domain.communications.consent_settings import CommunicationSettings
from prm.domain.communications.preferences import PreferenceMatrix
from prm.domain.shared.ids import PatientId


@dataclass(frozen=True, slots=True)
class PatientPolicyFacts:
    """What the send policy needs of one patient: the consent state per channel (missing: no
    record) and the preference entries set."""

    consents: Mapping[Channel, ConsentState] = field(default_factory=dict)
    preferences: PreferenceMatrix = field(default_factory=PreferenceMatrix)

    def consent(self, channel: Channel) -> ConsentState:
        return self.consents.get(channel, ConsentState.NONE)


class BatchSendPolicy(SendPolicy, Protocol):
    """A :class:`SendPolicy` that also decides for many messages at once (campaigns)."""

    @abstractmethod
    async def decide_many(self, facts: Sequence[SendRequestFacts]) -> list[SendDecision]:
        """One decision per item, in order, read in two queries per 1,000 patients or fewer."""


class ConsentRepository(Protocol):
    """The consent history (append-only)."""

    @abstractmethod
    async def current(self, patient_id: PatientId, channel: Channel) -> ConsentRecord | None:
        """The latest record of the patient on the channel."""

    @abstractmethod
    async def history(self, patient_id: PatientId) -> Sequence[ConsentRecord]:
        """Every record of the patient, newest first."""

    @abstractmethod
    async def add(self, record: ConsentRecord) -> None: ...


class PreferenceRepository(Protocol):
    @abstractmethod
    async def matrix(self, patient_id: PatientId) -> PreferenceMatrix: ...

    @abstractmethod
    async def set(
        self, patient_id: PatientId, entries: Mapping[tuple[str, Channel], bool], *, at: datetime, by: str
    ) -> None:
        """Insert or replace these entries (the others stay as they are)."""


class CommunicationSettingsRepository(Protocol):
    @abstractmethod
    async def get(self) -> CommunicationSettings:
        """The tenant's settings, or the defaults (``version`` 0) when it saved none."""

    @abstractmethod
    async def save(self, settings: CommunicationSettings) -> None:
        """Store ``settings`` (``version`` one more than the stored one: ``StaleVersion`` when
        someone else saved meanwhile)."""


class PolicyFactsReader(Protocol):
    @abstractmethod
    async def facts(self, patient_ids: Collection[PatientId]) -> Mapping[PatientId, PatientPolicyFacts]:
        """Current consents and preferences of these patients, in one query per 1,000 patients;
        patients without any are left out."""


@dataclass(frozen=True, slots=True)
class ConsentEntry:
    """A consent record and when a later record of its patient on its channel replaced it
    (``replaced_at``, UTC; ``None``: it is still the current one). The FHIR Consent read and
    search answer both, since a record is in force only while current."""

    record: ConsentRecord
    replaced_at: datetime | None = None

    @property
    def current(self) -> bool:
        return self.replaced_at is None

    @property
    def in_force(self) -> bool:
        """``active`` and not replaced by a later record (FHIR ``Consent.status`` ``active``)."""
        return self.current and self.record.status is ConsentStatus.ACTIVE


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsentEntryFilter:
    """Filters of the FHIR Consent search (all must hold; ``None``: any). ``in_force``: only the
    records in force (``True``) or only the others, withdrawn or replaced (``False``)."""

    patient_id: PatientId | None = None
    in_force: bool | None = None


class ConsentEntryQueries(Protocol):
    """Consent records read one at a time or searched (the FHIR Consent interface), newest first
    (by id, UUIDv7)."""

    @abstractmethod
    async def get(self, consent_id: UUID) -> ConsentEntry | None:
        """The tenant's record with this id, if any (another tenant's is ``None``)."""

    @abstractmethod
    async def find(self, where: ConsentEntryFilter, page: PageRequest) -> Page[ConsentEntry]: ...
