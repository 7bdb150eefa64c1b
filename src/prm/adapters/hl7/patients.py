"""The hl7 context's views of the patients and integrations contexts, through their use cases
(each commits its own change in the job's unit of work)."""

from uuid import UUID

from prm.application.hl7.ports import (
    AdmissionEvent,
    AdmissionEvents,
    PatientData,
    PatientIdentifierData,
    PatientOutcome,
    PatientRegistry,
)
from prm.application.integrations.inputs import ReceiveEventCommand
from prm.application.integrations.receive_event import ReceiveIntegrationEvent
from prm.application.patients.get_patient import GetPatient
from prm.application.patients.inputs import ContactPointInput, PatientInput
from prm.application.patients.merge_patients import MergePatients, MergePatientsCommand
from prm.application.patients.register_patient import RegisterPatient
from prm.application.patients.resolve_patient_identifiers import ResolvePatientIdentifiers
from prm.application.patients.update_patient import UpdatePatient, UpdatePatientCommand
from prm.domain.patients.model import MRN_TYPE, Identifier
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.ids import PatientId

SOURCE_SYSTEM = "hl7"
"""The integration events' ``source_system`` for what HL7 feeds report."""


def _others(patient: PatientData) -> tuple[Identifier, ...]:
    return tuple(Identifier(system=i.system, value=i.value, type=i.type_code) for i in patient.identifiers[1:])


def _telecom(patient: PatientData) -> tuple[ContactPointInput, ...]:
    return tuple(ContactPointInput(system=p.system, value=p.value, use=p.use) for p in patient.phones)


class PatientRegistryFromPatients(PatientRegistry):
    def __init__(
        self,
        resolve: ResolvePatientIdentifiers,
        register: RegisterPatient,
        get: GetPatient,
        update: UpdatePatient,
        merge: MergePatients,
    ) -> None:
        self._resolve = resolve
        self._register = register
        self._get = get
        self._update = update
        self._merge = merge

    async def _find(self, identifier: PatientIdentifierData) -> PatientId | None:
        found = (await self._resolve([identifier.value]))[identifier.value]
        return found[0] if found else None

    async def upsert(self, patient: PatientData) -> PatientOutcome:
        mrn = patient.mrn
        patient_id = await self._find(mrn)
        if patient_id is None:
            if patient.name is None:
                raise RuleViolated("PID-5 gives no name: the patient cannot be registered", field="name")
            kwargs: dict[str, object] = {}
            if patient.gender is not None:
                kwargs["gender"] = patient.gender
            created = await self._register(
                PatientInput(
                    name=patient.name,
                    mrn=mrn.value,
                    mrn_system=mrn.system,
                    identifiers=_others(patient),
                    birth_date=patient.birth_date,
                    telecom=_telecom(patient),
                    addresses=patient.addresses,
                    preferred_language=patient.language,
                    **kwargs,  # type: ignore[arg-type]
                )
            )
            return PatientOutcome(created.id, "created")
        current = await self._get(patient_id)
        changes: dict[str, object] = {}
        if patient.name is not None:
            changes["name"] = patient.name
        if patient.gender is not None:
            changes["gender"] = patient.gender
        if patient.birth_date is not None:
            changes["birth_date"] = patient.birth_date
        if patient.phones:
            changes["telecom"] = _telecom(patient)
        if patient.addresses:
            changes["addresses"] = patient.addresses
        if patient.language is not None:
            changes["preferred_language"] = patient.language
        known = [i for i in current.details.identifiers if i.type != MRN_TYPE]
        keys = {(i.system, i.value) for i in current.details.identifiers}
        new = [i for i in _others(patient) if (i.system, i.value) not in keys]
        if new:
            changes["identifiers"] = (*known, *new)
        updated = await self._update(UpdatePatientCommand(patient_id=patient_id, changes=changes))
        return PatientOutcome(updated.id, "updated" if updated.version != current.version else "unchanged")

    async def merge(self, source: PatientIdentifierData, target: PatientIdentifierData, reason: str) -> UUID:
        source_id, target_id = await self._find(source), await self._find(target)
        if source_id is None:
            raise RuleViolated("no patient has the MRN of MRG-1", field="MRG-1")
        if target_id is None:
            raise RuleViolated("no patient has the MRN of PID-3", field="PID-3")
        outcome = await self._merge(MergePatientsCommand(source_id=source_id, target_id=target_id, reason=reason))
        return outcome.survivor.id


class AdmissionEventsFromIntegrations(AdmissionEvents):
    def __init__(self, receive: ReceiveIntegrationEvent) -> None:
        self._receive = receive

    async def publish(self, event: AdmissionEvent) -> UUID:
        received = await self._receive(
            ReceiveEventCommand(
                source_system=SOURCE_SYSTEM,
                event_code=event.event_code,
                external_id=event.external_id,
                patient_identifier=event.patient_mrn,
                occurred_at=event.occurred_at,
                payload=dict(event.payload),
                encounter_id=event.encounter_id,
            )
        )
        return received.event.id
