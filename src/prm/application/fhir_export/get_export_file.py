"""One file of a completed bulk export, for download (the manifest's ``output[].url``)."""

from dataclasses import dataclass

from prm.application.fhir_export.get_export_status import GetExportStatus
from prm.application.fhir_export.ports import ExportFileStore
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import UnitOfWork
from prm.domain.fhir_export.errors import ExportFileNotFound
from prm.domain.fhir_export.model import ExportId, ExportStatus


@dataclass(frozen=True, slots=True)
class ExportFileLocation:
    """``path`` of the NDJSON file on the server; ``count`` resources in it."""

    path: str
    name: str
    count: int


class GetExportFile:
    """The file ``name`` of a completed export of the caller's tenant; each download is audited
    as an ``export`` of the export (PHI leaves the service). 404 for an unknown export or file, or
    an export still running; 410 once expired."""

    def __init__(self, status: GetExportStatus, files: ExportFileStore, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._status = status
        self._files = files
        self._audit = audit
        self._uow = uow

    async def __call__(self, export_id: ExportId, name: str) -> ExportFileLocation:
        export = await self._status(export_id)
        file = export.file(name) if export.status is ExportStatus.COMPLETED else None
        path = self._files.location(export.id, name) if file else None
        if file is None or path is None:
            raise ExportFileNotFound(f"bulk export {export_id} has no file {name!r}")
        await self._audit.record(AuditAction.EXPORT, "fhir_export", [export.id])
        await self._uow.commit()
        return ExportFileLocation(path=path, name=file.name, count=file.count)
