"""Soft-delete a patient (HTTP DELETE): the record stays, inactive."""

import structlog

from prm.application.patients.ports import PatientRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.patients.errors import PatientNotFound
from prm.domain.patients.model import Patient
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PatientId

log = structlog.get_logger(__name__)


class DeactivatePatient:
    """Set an active patient to ``inactive`` (reference API: DELETE is a soft delete).

    Idempotent: an inactive or deceased patient is returned unchanged. Raises ``PatientNotFound``;
    ``StaleVersion`` (409) when ``expected_version`` is given and the patient is at another (an
    offline device's delete based on a version that has moved since: a conflict, never a silent
    delete).
    """

    def __init__(
        self, patients: PatientRepository, outbox: Outbox, uow: UnitOfWork, clock: Clock, audit: AuditTrail
    ) -> None:
        self._audit = audit
        self._patients = patients
        self._outbox = outbox
        self._uow = uow
        self._clock = clock

    async def __call__(self, patient_id: PatientId, expected_version: int | None = None) -> Patient:
        patient = await self._patients.get(patient_id)
        if patient is None:
            raise PatientNotFound(f"patient {patient_id} not found")
        version = patient.version
        if expected_version is not None and version != expected_version:
            raise StaleVersion(f"patient {patient_id} is at version {version}, not {expected_version}")
        patient.deactivate(self._clock.now())
        if patient.version != version:
            await self._patients.save(patient, expected_version=version)
            await self._outbox.add(patient.events)
            await self._audit.record(AuditAction.DELETE, "patient", [patient.id], ["status"])
            await self._uow.commit()
            log.info("patient.deactivated", patient_id=str(patient.id))
        return patient
