"""FHIR R4 Patient create and conditional create (``If-None-Exist``)."""

from dataclasses import dataclass, replace

import structlog

from prm.application.fhir.errors import MultipleMatches
from prm.application.fhir.ports import TransactionHold
from prm.application.patients.deactivate_patient import DeactivatePatient
from prm.application.patients.inputs import PatientInput, build_telecom
from prm.application.patients.ports import PatientRepository
from prm.application.patients.register_patient import RegisterPatient
from prm.application.patients.resolve_patient_identifiers import ResolvePatientIdentifiers
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import UnitOfWork
from prm.domain.patients.model import Patient
from prm.domain.shared.errors import RuleViolated

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateFhirPatientCommand:
    """``match_identifier``: the ``system|value`` (or MRN) token of ``If-None-Exist:
    identifier=…``; ``active`` ``False`` registers the patient inactive. With
    ``leave_out_bad_telecom`` a phone or email PRM cannot normalise is left out with a warning
    instead of failing the create (Bundles from generators such as Synthea carry made-up numbers)."""

    patient: PatientInput
    match_identifier: str | None = None
    active: bool | None = None
    leave_out_bad_telecom: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class FhirPatientWritten:
    """The patient after the write; ``created`` ``False`` when a conditional create found it;
    ``warnings``: values left out, in words (no patient data)."""

    patient: Patient
    created: bool
    warnings: tuple[str, ...] = ()


class CreateFhirPatient:
    """Create a patient as FHIR R4 does (http.html#create and #ccreate), through
    :class:`RegisterPatient` (same rules, outbox event and ``create`` audit event).

    - ``match_identifier``: none matches → create; one → that patient, unchanged (audited as a
      ``read``); more → :class:`MultipleMatches` (412).
    - Raises what ``RegisterPatient`` raises (``DuplicateMrn`` 409, ``RuleViolated`` 422).
    - Commits once (nothing when called inside the caller's :class:`TransactionHold`).
    """

    def __init__(
        self,
        register: RegisterPatient,
        deactivate: DeactivatePatient,
        resolve: ResolvePatientIdentifiers,
        patients: PatientRepository,
        audit: AuditTrail,
        hold: TransactionHold,
        uow: UnitOfWork,
        context: RequestContext,
    ) -> None:
        self._register = register
        self._deactivate = deactivate
        self._resolve = resolve
        self._patients = patients
        self._audit = audit
        self._hold = hold
        self._uow = uow
        self._context = context

    async def __call__(self, command: CreateFhirPatientCommand) -> FhirPatientWritten:
        if command.match_identifier is not None:
            found = (await self._resolve([command.match_identifier]))[command.match_identifier]
            if len(found) > 1:
                raise MultipleMatches("If-None-Exist matches more than one patient")
            if found and (existing := await self._patients.get(found[0])) is not None:
                await self._audit.record(AuditAction.READ, "patient", [existing.id])
                await self._uow.commit()
                return FhirPatientWritten(patient=existing, created=False)
        given, warnings = self._usable(command)
        async with self._hold.held():
            patient = await self._register(given)
            if command.active is False:
                patient = await self._deactivate(patient.id)
        await self._uow.commit()
        log.info("fhir.patient_created", patient_id=str(patient.id), warnings=len(warnings))
        return FhirPatientWritten(patient=patient, created=True, warnings=warnings)

    def _usable(self, command: CreateFhirPatientCommand) -> tuple[PatientInput, tuple[str, ...]]:
        given = command.patient
        if not command.leave_out_bad_telecom:
            return given, ()
        kept, warnings = [], []
        for index, contact in enumerate(given.telecom):
            try:
                build_telecom([contact], self._context.phone_region)
            except RuleViolated as exc:
                warnings.append(f"Patient.telecom[{index}]: {exc.detail}: left out")
                continue
            kept.append(contact)
        return replace(given, telecom=tuple(kept)), tuple(warnings)
