"""A patient's caregivers (``GET /patients/{id}/caregivers``)."""

from collections.abc import Sequence

from prm.application.caregivers.add_caregiver import ENTITY, existing_patient
from prm.application.caregivers.ports import CaregiverRepository, PatientDirectory
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import UnitOfWork
from prm.domain.caregivers.model import Caregiver
from prm.domain.shared.ids import PatientId


class ListCaregivers:
    """Every caregiver of one patient of the tenant, in the order they were added (at most
    :data:`~prm.application.caregivers.ports.MAX_CAREGIVERS`). Raises ``PatientNotFound`` (404).
    Records one ``search`` audit event naming every caregiver listed and commits it."""

    def __init__(
        self, caregivers: CaregiverRepository, patients: PatientDirectory, audit: AuditTrail, uow: UnitOfWork
    ) -> None:
        self._caregivers = caregivers
        self._patients = patients
        self._audit = audit
        self._uow = uow

    async def __call__(self, patient_id: PatientId) -> Sequence[Caregiver]:
        await existing_patient(self._patients, patient_id)
        found = await self._caregivers.of_patient(patient_id)
        await self._audit.record(AuditAction.SEARCH, ENTITY, [c.id for c in found])
        await self._uow.commit()
        return found
