"""Read one caregiver of a patient (``GET /patients/{id}/caregivers/{caregiver_id}``)."""

from prm.application.caregivers.add_caregiver import ENTITY
from prm.application.caregivers.ports import CaregiverRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import UnitOfWork
from prm.domain.caregivers.errors import CaregiverNotFound
from prm.domain.caregivers.ids import CaregiverId
from prm.domain.caregivers.model import Caregiver
from prm.domain.shared.ids import PatientId


async def existing(caregivers: CaregiverRepository, patient_id: PatientId, caregiver_id: CaregiverId) -> Caregiver:
    """The patient's caregiver; raises ``CaregiverNotFound`` (404), also for another patient's or tenant's id."""
    caregiver = await caregivers.get(patient_id, caregiver_id)
    if caregiver is None:
        raise CaregiverNotFound(f"caregiver {caregiver_id} of patient {patient_id} not found")
    return caregiver


class GetCaregiver:
    """One caregiver of one patient of the tenant; raises ``CaregiverNotFound`` (404). Records a
    ``read`` audit event and commits it."""

    def __init__(self, caregivers: CaregiverRepository, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._caregivers = caregivers
        self._audit = audit
        self._uow = uow

    async def __call__(self, patient_id: PatientId, caregiver_id: CaregiverId) -> Caregiver:
        caregiver = await existing(self._caregivers, patient_id, caregiver_id)
        await self._audit.record(AuditAction.READ, ENTITY, [caregiver.id])
        await self._uow.commit()
        return caregiver
