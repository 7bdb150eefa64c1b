"""Cancel a bulk export, or discard a finished one (Bulk Data Access IG 2.0 "delete a request")."""

import structlog

from prm.application.fhir_export.get_export_status import GetExportStatus
from prm.application.fhir_export.ports import ExportFileStore, ExportRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.fhir_export.model import ExportId

log = structlog.get_logger(__name__)


class CancelExport:
    """Mark the export ``cancelled`` and delete its files; a running job stops at its next page
    (and deletes what it wrote). 404 for an unknown or already cancelled export, 410 expired;
    ``StaleVersion`` (409) when the job finished at the same moment (cancel again)."""

    def __init__(
        self,
        status: GetExportStatus,
        exports: ExportRepository,
        files: ExportFileStore,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
    ) -> None:
        self._status = status
        self._exports = exports
        self._files = files
        self._audit = audit
        self._uow = uow
        self._clock = clock

    async def __call__(self, export_id: ExportId) -> None:
        export = await self._status(export_id)
        version = export.version
        export.cancel(self._clock.now())
        await self._exports.save(export, expected_version=version)
        await self._audit.record(AuditAction.DELETE, "fhir_export", [export.id], ["status"])
        await self._uow.commit()
        self._files.remove(export.id)
        log.info("fhir_export.cancelled", export_id=str(export.id))
