"""Read one caregiver of the tenant by its id alone (``GET /fhir/RelatedPerson/{id}``)."""

from prm.application.caregivers.add_caregiver import ENTITY
from prm.application.caregivers.ports import CaregiverRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import UnitOfWork
from prm.domain.caregivers.errors import CaregiverNotFound
from prm.domain.caregivers.ids import CaregiverId
from prm.domain.caregivers.model import Caregiver


class GetCaregiverById:
    """One caregiver of the tenant, whichever patient's; raises ``CaregiverNotFound`` (404), also
    for another tenant's id. Records a ``read`` audit event and commits it, as ``GetCaregiver`` does."""

    def __init__(self, caregivers: CaregiverRepository, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._caregivers = caregivers
        self._audit = audit
        self._uow = uow

    async def __call__(self, caregiver_id: CaregiverId) -> Caregiver:
        caregiver = await self._caregivers.get_by_id(caregiver_id)
        if caregiver is None:
            raise CaregiverNotFound(f"caregiver {caregiver_id} not found")
        await self._audit.record(AuditAction.READ, ENTITY, [caregiver.id])
        await self._uow.commit()
        return caregiver
