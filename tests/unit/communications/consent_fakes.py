"""Fakes of the consent part's ports (in memory, one tenant)."""

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from prm.application.communications.consent_ports import (
    CommunicationSettingsRepository,
    ConsentRepository,
    PatientPolicyFacts,
    PolicyFactsReader,
)
from prm.domain.communications.channels import Channel
from prm.domain.communications.consent import ConsentRecord, consent_state
from prm.domain.communications.consent_settings import CommunicationSettings
from prm.domain.communications.preferences import PreferenceMatrix
from prm.domain.shared.ids import PatientId


class InMemoryConsents(ConsentRepository, PolicyFactsReader):
    def __init__(self) -> None:
        self.records: list[ConsentRecord] = []
        self.preferences: dict[PatientId, dict[tuple[str, Channel], bool]] = {}
        self.reads = 0

    async def current(self, patient_id: PatientId, channel: Channel) -> ConsentRecord | None:
        mine = [r for r in self.records if r.patient_id == patient_id and r.channel is channel]
        return max(mine, key=lambda r: (r.recorded_at, r.id), default=None)

    async def history(self, patient_id: PatientId) -> Sequence[ConsentRecord]:
        mine = [r for r in self.records if r.patient_id == patient_id]
        return sorted(mine, key=lambda r: (r.recorded_at, r.id), reverse=True)

    async def add(self, record: ConsentRecord) -> None:
        self.records.append(record)

    async def facts(self, patient_ids: Collection[PatientId]) -> Mapping[PatientId, PatientPolicyFacts]:
        self.reads += 1
        found: dict[PatientId, PatientPolicyFacts] = {}
        for patient_id in patient_ids:
            consents = {ch: consent_state(c) for ch in Channel if (c := await self.current(patient_id, ch))}
            preferences = self.preferences.get(patient_id, {})
            if consents or preferences:
                found[patient_id] = PatientPolicyFacts(consents, PreferenceMatrix(preferences))
        return found


class FixedSettings(CommunicationSettingsRepository):
    def __init__(self, settings: CommunicationSettings | None = None) -> None:
        self.settings = settings or CommunicationSettings()
        self.reads = 0

    async def get(self) -> CommunicationSettings:
        self.reads += 1
        return self.settings

    async def save(self, settings: CommunicationSettings) -> None:
        self.settings = settings


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)
