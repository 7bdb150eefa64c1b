"""Re-activate an inactive patient."""

import structlog

from prm.application.patients.ports import PatientRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.patients.errors import PatientNotFound
from prm.domain.patients.model import Patient
from prm.domain.shared.ids import PatientId

log = structlog.get_logger(__name__)


class ActivatePatient:
    """Set an inactive patient back to ``active``; idempotent for active ones.

    Raises ``PatientNotFound`` (404) and ``PatientIsDeceased`` (422) for a deceased patient.
    """

    def __init__(
        self, patients: PatientRepository, outbox: Outbox, uow: UnitOfWork, clock: Clock, audit: AuditTrail
    ) -> None:
        self._audit = audit
        self._patients = patients
        self._outbox = outbox
        self._uow = uow
        self._clock = clock

    async def __call__(self, patient_id: PatientId) -> Patient:
        patient = await self._patients.get(patient_id)
        if patient is None:
            raise PatientNotFound(f"patient {patient_id} not found")
        version = patient.version
        patient.activate(self._clock.now())
        if patient.version != version:
            await self._patients.save(patient, expected_version=version)
            await self._outbox.add(patient.events)
            await self._audit.record(AuditAction.UPDATE, "patient", [patient.id], ["status"])
            await self._uow.commit()
            log.info("patient.activated", patient_id=str(patient.id))
        return patient
