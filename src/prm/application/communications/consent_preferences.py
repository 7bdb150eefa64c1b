"""Read and change a patient's per-event channel preferences (``/communications/preferences``)."""

from collections.abc import Mapping
from dataclasses import dataclass

import structlog

from prm.application.communications.consent_consents import ensure_patient, recorded_by
from prm.application.communications.consent_ports import PreferenceRepository
from prm.application.communications.contracts import PatientContacts
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.communications.channels import Channel
from prm.domain.communications.preferences import PreferenceMatrix, validate_event_type
from prm.domain.shared.ids import PatientId

log = structlog.get_logger(__name__)


class GetPreferences:
    """The patient's matrix (every event by every channel; unset entries enabled). Raises
    :class:`PatientNotFound`."""

    def __init__(self, preferences: PreferenceRepository, patients: PatientContacts) -> None:
        self._preferences = preferences
        self._patients = patients

    async def __call__(self, patient_id: PatientId) -> PreferenceMatrix:
        await ensure_patient(self._patients, patient_id)
        return await self._preferences.matrix(patient_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class SetPreferencesCommand:
    patient_id: PatientId
    entries: Mapping[str, Mapping[Channel, bool]]
    """``event_type -> channel -> enabled``; events and channels left out keep their value."""


class SetPreferences:
    """Set some entries of the patient's matrix and answer the whole matrix. Raises
    :class:`PatientNotFound`, ``InvalidPreference`` (an unknown event type, 422 naming it).
    Commits."""

    def __init__(
        self,
        preferences: PreferenceRepository,
        patients: PatientContacts,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._preferences = preferences
        self._patients = patients
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, command: SetPreferencesCommand) -> PreferenceMatrix:
        entries = {
            (validate_event_type(event), channel): enabled
            for event, channels in command.entries.items()
            for channel, enabled in channels.items()
        }
        await ensure_patient(self._patients, command.patient_id)
        await self._preferences.set(command.patient_id, entries, at=self._clock.now(), by=recorded_by(self._context))
        matrix = await self._preferences.matrix(command.patient_id)
        await self._uow.commit()
        log.info("communication_preferences.updated", patient_id=str(command.patient_id), entries=len(entries))
        return matrix
