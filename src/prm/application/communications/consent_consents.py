"""Read and record a patient's consents (``/communications/consents``)."""

from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from prm.application.communications.consent_ports import ConsentRepository
from prm.application.communications.contracts import PatientContacts
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.communications.channels import Channel
from prm.domain.communications.consent import (
    ConsentRecord,
    ConsentSource,
    ConsentState,
    ConsentStatus,
    ProvisionType,
    consent_state,
)
from prm.domain.shared.errors import PatientNotFound
from prm.domain.shared.ids import PatientId, new_id

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelConsent:
    """The current consent on one channel: its state and the record it comes from (``None``:
    no record, consent implied for transactional categories only)."""

    channel: Channel
    state: ConsentState
    record: ConsentRecord | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientConsents:
    patient_id: PatientId
    current: Sequence[ChannelConsent]
    """One per channel, in :class:`Channel` order."""
    history: Sequence[ConsentRecord]
    """Newest first."""


def recorded_by(context: RequestContext) -> str:
    """The acting user's or API key's id, else the principal's kind (``system``)."""
    return context.principal.id or context.principal.kind.value


async def ensure_patient(patients: PatientContacts, patient_id: PatientId) -> None:
    if await patients.get(patient_id) is None:
        raise PatientNotFound(f"patient {patient_id} not found")


class GetConsents:
    """A patient's current consent per channel and the whole history. Raises
    :class:`PatientNotFound`."""

    def __init__(self, consents: ConsentRepository, patients: PatientContacts) -> None:
        self._consents = consents
        self._patients = patients

    async def __call__(self, patient_id: PatientId) -> PatientConsents:
        await ensure_patient(self._patients, patient_id)
        history = await self._consents.history(patient_id)
        current = []
        for channel in Channel:
            latest = next((r for r in history if r.channel is channel), None)
            current.append(ChannelConsent(channel=channel, state=consent_state(latest), record=latest))
        return PatientConsents(patient_id=patient_id, current=current, history=history)


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordConsentCommand:
    patient_id: PatientId
    channel: Channel
    status: ConsentStatus
    provision: ProvisionType
    source: ConsentSource


class RecordConsent:
    """Append a consent record (staff recording what the patient said, an integration, an
    import); it becomes the current one. Raises :class:`PatientNotFound`. Commits."""

    def __init__(
        self,
        consents: ConsentRepository,
        patients: PatientContacts,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._consents = consents
        self._patients = patients
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, command: RecordConsentCommand) -> ChannelConsent:
        await ensure_patient(self._patients, command.patient_id)
        record = ConsentRecord(
            id=new_id(),
            tenant_id=self._context.tenant_id,
            patient_id=command.patient_id,
            channel=command.channel,
            status=command.status,
            provision=command.provision,
            source=command.source,
            recorded_at=self._clock.now(),
            recorded_by=recorded_by(self._context),
        )
        await self._consents.add(record)
        await self._uow.commit()
        log.info(
            "communication_consent.recorded",
            patient_id=str(command.patient_id),
            channel=command.channel.value,
            status=command.status.value,
            provision=command.provision.value,
            source=command.source.value,
        )
        return ChannelConsent(channel=command.channel, state=record.state, record=record)
