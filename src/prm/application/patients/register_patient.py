"""Register a new patient for the caller's tenant."""

import structlog

from prm.application.patients.inputs import PatientInput, build_details
from prm.application.patients.ports import PatientRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.patients.errors import DuplicateMrn
from prm.domain.patients.model import Patient
from prm.domain.patients.mrn import generate_mrn

log = structlog.get_logger(__name__)


class RegisterPatient:
    """Register a patient (FHIR Patient create).

    - The MRN is the given one, or a random ``PRM…`` number when none is given.
    - Phones become E.164 in the tenant's phone region; emails are syntax-checked.
    - Raises ``DuplicateMrn`` (409) when the tenant has the MRN already, ``RuleViolated`` (422).
    - Records ``PatientRegistered`` in the outbox and a ``create`` audit event, in the same transaction.
    """

    def __init__(
        self,
        patients: PatientRepository,
        outbox: Outbox,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
        audit: AuditTrail,
    ) -> None:
        self._audit = audit
        self._patients = patients
        self._outbox = outbox
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, given: PatientInput) -> Patient:
        details = build_details(given, mrn=given.mrn or generate_mrn(), region=self._context.phone_region)
        if await self._patients.get_by_mrn(details.mrn) is not None:
            raise DuplicateMrn("a patient with this MRN already exists")
        patient = Patient.register(tenant_id=self._context.tenant_id, details=details, now=self._clock.now())
        await self._patients.add(patient)
        await self._outbox.add(patient.events)
        await self._audit.record(AuditAction.CREATE, "patient", [patient.id])
        await self._uow.commit()
        log.info("patient.registered", patient_id=str(patient.id))
        return patient
