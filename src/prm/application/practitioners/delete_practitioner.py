"""Remove a practitioner for good (reference API: ``DELETE /practitioners/{id}``)."""

import structlog

from prm.application.practitioners.ports import PractitionerRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Outbox, UnitOfWork
from prm.domain.practitioners.errors import PractitionerNotFound
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PractitionerId

log = structlog.get_logger(__name__)


class DeletePractitioner:
    """Delete a practitioner permanently, as the reference API specifies (to keep the record,
    set ``is_active`` to false with an update instead).

    ``expected_version`` (from ``If-Match``) makes the deletion conditional. Raises
    ``PractitionerNotFound`` (404) and ``StaleVersion`` (409). Records ``PractitionerDeleted`` and a
    ``delete`` audit event.
    """

    def __init__(
        self, practitioners: PractitionerRepository, outbox: Outbox, uow: UnitOfWork, audit: AuditTrail
    ) -> None:
        self._audit = audit
        self._practitioners = practitioners
        self._outbox = outbox
        self._uow = uow

    async def __call__(self, practitioner_id: PractitionerId, *, expected_version: int | None = None) -> None:
        practitioner = await self._practitioners.get(practitioner_id)
        if practitioner is None:
            raise PractitionerNotFound(f"practitioner {practitioner_id} not found")
        if expected_version is not None and expected_version != practitioner.version:
            raise StaleVersion(
                f"practitioner {practitioner.id} is at version {practitioner.version}, "
                f"not {expected_version}: reload it before deleting it"
            )
        practitioner.delete()
        await self._practitioners.remove(practitioner)
        await self._outbox.add(practitioner.events)
        await self._audit.record(AuditAction.DELETE, "practitioner", [practitioner.id])
        await self._uow.commit()
        log.info("practitioner.deleted", practitioner_id=str(practitioner.id))
