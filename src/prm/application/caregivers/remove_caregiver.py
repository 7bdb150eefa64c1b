"""Remove a caregiver (``DELETE /patients/{id}/caregivers/{caregiver_id}``)."""

import structlog

from prm.application.caregivers.add_caregiver import ENTITY
from prm.application.caregivers.get_caregiver import existing
from prm.application.caregivers.ports import CaregiverRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Outbox, UnitOfWork
from prm.domain.caregivers.ids import CaregiverId
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PatientId

log = structlog.get_logger(__name__)


class RemoveCaregiver:
    """Delete the caregiver for good (to keep the record but stop messages, set
    ``receives_communications`` false or end the period). ``expected_version`` (``If-Match``)
    makes it conditional. Raises ``CaregiverNotFound`` (404) and ``StaleVersion`` (409).
    Records ``CaregiverRemoved`` and a ``delete`` audit event."""

    def __init__(self, caregivers: CaregiverRepository, outbox: Outbox, uow: UnitOfWork, audit: AuditTrail) -> None:
        self._caregivers = caregivers
        self._outbox = outbox
        self._uow = uow
        self._audit = audit

    async def __call__(
        self, patient_id: PatientId, caregiver_id: CaregiverId, *, expected_version: int | None = None
    ) -> None:
        caregiver = await existing(self._caregivers, patient_id, caregiver_id)
        if expected_version is not None and expected_version != caregiver.version:
            raise StaleVersion(
                f"caregiver {caregiver.id} is at version {caregiver.version}, not {expected_version}: "
                "reload it before removing it"
            )
        caregiver.remove()
        await self._caregivers.remove(caregiver)
        await self._outbox.add(caregiver.events)
        await self._audit.record(AuditAction.DELETE, ENTITY, [caregiver.id])
        await self._uow.commit()
        log.info("caregiver.removed", caregiver_id=str(caregiver.id))
