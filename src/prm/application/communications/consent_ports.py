"""Ports of the communications context's consent part (tenant-scoped: built for one tenant,
they only ever see its rows)."""

from abc import abstractmethod
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from prm.application.communications.contracts import SendDecision, SendPolicy, SendRequestFacts
from prm.domain.communications.channels import Channel
from prm.domain.communications.consent import ConsentRecord, ConsentState
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
