"""A bulk export's status (Bulk Data Access IG 2.0 status request)."""

from prm.application.fhir_export.ports import ExportRepository
from prm.application.shared.ports import Clock
from prm.domain.fhir_export.errors import ExportNotFound
from prm.domain.fhir_export.model import BulkExport, ExportId


class GetExportStatus:
    """The export of the caller's tenant: ``ExportNotFound`` (404) for an unknown, another
    tenant's or a cancelled one, ``ExportExpired`` (410) past its retention."""

    def __init__(self, exports: ExportRepository, clock: Clock) -> None:
        self._exports = exports
        self._clock = clock

    async def __call__(self, export_id: ExportId) -> BulkExport:
        export = await self._exports.get(export_id)
        if export is None:
            raise ExportNotFound(f"bulk export {export_id} not found")
        export.ensure_visible(self._clock.now())
        return export
