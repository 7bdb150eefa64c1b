"""Delete a finished bulk export's files at the end of their retention (the ``fhir_export.expire`` job)."""

from collections.abc import Mapping
from typing import Any
from uuid import UUID

import structlog

from prm.application.fhir_export.ports import ExportFileStore, ExportRepository
from prm.application.shared.jobs import JobHandler, PermanentJobFailure
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.fhir_export.model import ExportId, ExportStatus

log = structlog.get_logger(__name__)


class ExpireExport:
    """A completed or failed export whose ``expires_at`` has passed becomes ``expired`` and its
    files are deleted; any other export is left as it is (False)."""

    def __init__(self, exports: ExportRepository, files: ExportFileStore, uow: UnitOfWork, clock: Clock) -> None:
        self._exports = exports
        self._files = files
        self._uow = uow
        self._clock = clock

    async def __call__(self, export_id: ExportId) -> bool:
        export = await self._exports.get(export_id)
        finished = export is not None and export.status in (ExportStatus.COMPLETED, ExportStatus.FAILED)
        if export is None or not finished or export.expires_at is None or export.expires_at > self._clock.now():
            return False
        version = export.version
        export.expire()
        await self._exports.save(export, expected_version=version)
        await self._uow.commit()
        self._files.remove(export.id)
        log.info("fhir_export.expired", export_id=str(export.id))
        return True


class ExpireExportJob(JobHandler):
    """``fhir_export.expire`` with ``{"export_id": "<uuid>"}``."""

    def __init__(self, expire: ExpireExport) -> None:
        self._expire = expire

    async def __call__(self, args: Mapping[str, Any]) -> None:
        try:
            export_id = ExportId(UUID(str(args.get("export_id"))))
        except ValueError as exc:
            raise PermanentJobFailure("export_id must be a UUID") from exc
        await self._expire(export_id)
