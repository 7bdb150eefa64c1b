"""FHIR R4 Patient update (``PUT /Patient/{id}``): the resource replaces what PRM keeps of it."""

from dataclasses import dataclass

import structlog

from prm.application.fhir.create_fhir_patient import FhirPatientWritten
from prm.application.fhir.ports import TransactionHold
from prm.application.patients.activate_patient import ActivatePatient
from prm.application.patients.deactivate_patient import DeactivatePatient
from prm.application.patients.inputs import PatientInput
from prm.application.patients.update_patient import UpdatePatient, UpdatePatientCommand
from prm.application.shared.ports import UnitOfWork
from prm.domain.patients.model import PatientStatus
from prm.domain.shared.ids import PatientId

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateFhirPatientCommand:
    """``patient``: the whole resource as read (an element left out is cleared, as FHIR's
    update replaces the resource); the MRN is kept when the resource has no identifier of type
    ``MR``. ``active`` ``None`` leaves the status; ``expected_version`` from ``If-Match``."""

    patient_id: PatientId
    patient: PatientInput
    active: bool | None = None
    expected_version: int | None = None


class UpdateFhirPatient:
    """Update a patient as FHIR R4 does (http.html#update), through :class:`UpdatePatient` (same
    rules, ``PatientUpdated`` event and ``update`` audit event naming the changed fields), then
    :class:`ActivatePatient` / :class:`DeactivatePatient` when ``active`` says so.

    Raises ``PatientNotFound`` (404: PRM does not create on update), ``StaleVersion`` when
    ``expected_version`` is not the current one, ``DuplicateMrn``, ``RuleViolated``. Commits once
    (nothing inside the caller's :class:`TransactionHold`)."""

    def __init__(
        self,
        update: UpdatePatient,
        activate: ActivatePatient,
        deactivate: DeactivatePatient,
        hold: TransactionHold,
        uow: UnitOfWork,
    ) -> None:
        self._update = update
        self._activate = activate
        self._deactivate = deactivate
        self._hold = hold
        self._uow = uow

    async def __call__(self, command: UpdateFhirPatientCommand) -> FhirPatientWritten:
        given = command.patient
        changes: dict[str, object] = {
            "name": given.name,
            "identifiers": given.identifiers,
            "gender": given.gender,
            "birth_date": given.birth_date,
            "deceased_date": given.deceased_date,
            "telecom": given.telecom,
            "addresses": tuple(a for a in given.addresses if not a.is_empty()),
            "preferred_language": given.preferred_language,
            "marital_status": given.marital_status,
        }
        if given.mrn:
            changes["mrn"] = given.mrn
        async with self._hold.held():
            patient = await self._update(
                UpdatePatientCommand(
                    patient_id=command.patient_id, changes=changes, expected_version=command.expected_version
                )
            )
            if command.active is False and patient.status is PatientStatus.ACTIVE:
                patient = await self._deactivate(patient.id)
            elif command.active is True and patient.status is PatientStatus.INACTIVE:
                patient = await self._activate(patient.id)
        await self._uow.commit()
        log.info("fhir.patient_updated", patient_id=str(patient.id), version=patient.version)
        return FhirPatientWritten(patient=patient, created=False)
