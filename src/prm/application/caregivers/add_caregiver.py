"""Add a caregiver to a patient (``POST /patients/{id}/caregivers``)."""

import structlog

from prm.application.caregivers.inputs import CaregiverInput, build_details
from prm.application.caregivers.ports import MAX_CAREGIVERS, CaregiverRepository, PatientDirectory
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.caregivers.errors import InvalidCaregiver
from prm.domain.caregivers.model import Caregiver
from prm.domain.shared.errors import PatientNotFound
from prm.domain.shared.ids import PatientId

log = structlog.get_logger(__name__)

ENTITY = "caregiver"
"""The audit trail's name for a caregiver."""


async def existing_patient(patients: PatientDirectory, patient_id: PatientId) -> None:
    """Raise ``PatientNotFound`` (404) unless the tenant has the patient."""
    if not await patients.exists(patient_id):
        raise PatientNotFound(f"patient {patient_id} not found")


class AddCaregiver:
    """Add a caregiver (FHIR RelatedPerson) to one patient of the tenant and commit.

    Phones become E.164 in the tenant's phone region, emails are normalised. Raises
    ``PatientNotFound`` (404), ``RuleViolated`` (422) naming the field: an unknown relationship
    code, a bad phone or email (``telecom.<i>.value``), a preferred channel without an address for
    it, ``receives_communications`` without a phone or email, a period ending before it starts, or
    a patient with :data:`~prm.application.caregivers.ports.MAX_CAREGIVERS` caregivers already.
    Records ``CaregiverAdded`` in the outbox and a ``create`` audit event.
    """

    def __init__(
        self,
        caregivers: CaregiverRepository,
        patients: PatientDirectory,
        outbox: Outbox,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
        audit: AuditTrail,
    ) -> None:
        self._caregivers = caregivers
        self._patients = patients
        self._outbox = outbox
        self._uow = uow
        self._clock = clock
        self._context = context
        self._audit = audit

    async def __call__(self, patient_id: PatientId, given: CaregiverInput) -> Caregiver:
        details = build_details(given, self._context.phone_region)
        await existing_patient(self._patients, patient_id)
        if await self._caregivers.count(patient_id) >= MAX_CAREGIVERS:
            raise InvalidCaregiver(f"a patient has at most {MAX_CAREGIVERS} caregivers", field="patient_id")
        caregiver = Caregiver.create(
            tenant_id=self._context.tenant_id, patient_id=patient_id, details=details, now=self._clock.now()
        )
        await self._caregivers.add(caregiver)
        await self._outbox.add(caregiver.events)
        await self._audit.record(AuditAction.CREATE, ENTITY, [caregiver.id])
        await self._uow.commit()
        log.info("caregiver.added", caregiver_id=str(caregiver.id), patient_id=str(patient_id))
        return caregiver
