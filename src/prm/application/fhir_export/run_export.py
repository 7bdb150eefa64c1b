"""Write a bulk export's NDJSON files (the ``fhir_export.run`` job)."""

from collections.abc import Mapping
from typing import Any
from uuid import UUID

import structlog

from prm.application.fhir_export.ports import (
    ExportableTypes,
    ExportFileStore,
    ExportFileWriter,
    ExportLimits,
    ExportRepository,
)
from prm.application.shared.jobs import JobHandler, JobScheduler, PermanentJobFailure
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.fhir_export.model import BulkExport, ExportFile, ExportId, ExportStatus
from prm.domain.shared.errors import StaleVersion

log = structlog.get_logger(__name__)

EXPIRE_TASK = "fhir_export.expire"


def file_name(resource_type: str, part: int) -> str:
    """``Patient.ndjson``, then ``Patient-2.ndjson``, ``Patient-3.ndjson`` ... past ``file_size``."""
    return f"{resource_type}.ndjson" if part == 1 else f"{resource_type}-{part}.ndjson"


class RunExport:
    """Page through each requested type's records of the tenant (changed after ``_since``), write
    them as NDJSON as they come (memory stays at one page), commit the count written after every
    page (the status's ``X-Progress``), then complete the export with its files and schedule their
    deletion at the end of the retention.

    A run that finds the export cancelled stops and deletes its files; a run of an export that is
    not ``in-progress`` does nothing (a job run twice). A retried run starts over. Disk errors
    fail the export for good (its status answers 500 with the reason).
    """

    def __init__(
        self,
        exports: ExportRepository,
        types: ExportableTypes,
        files: ExportFileStore,
        limits: ExportLimits,
        jobs: JobScheduler,
        uow: UnitOfWork,
        clock: Clock,
    ) -> None:
        self._exports = exports
        self._types = types
        self._files = files
        self._limits = limits
        self._jobs = jobs
        self._uow = uow
        self._clock = clock

    async def __call__(self, export_id: ExportId) -> BulkExport | None:
        export = await self._exports.get(export_id)
        if export is None or export.status is not ExportStatus.IN_PROGRESS:
            return export
        self._files.remove(export.id)
        try:
            written = await self._write(export)
        except OSError as exc:
            self._files.remove(export.id)
            return await self._finish(export_id, failure=f"the export could not be written ({exc.strerror or 'I/O'})")
        if written is None:
            self._files.remove(export.id)
            return await self._exports.get(export_id)
        return await self._finish(export_id, files=written)

    async def _write(self, export: BulkExport) -> tuple[ExportFile, ...] | None:
        """The files written, or ``None`` when the export was cancelled meanwhile."""
        since = export.request.since
        sources = [(t, self._types.source(t)) for t in export.request.resource_types]
        total = 0
        for _, source in sources:
            total += await source.count(since)
        if not await self._exports.record_progress(export.id, 0, total):
            return None
        await self._uow.commit()
        files: list[ExportFile] = []
        written = 0
        for resource_type, source in sources:
            part, in_file = 1, 0
            writer: ExportFileWriter | None = None
            try:
                async for page in source.pages(since, self._limits.page_size):
                    start = 0
                    while start < len(page):
                        if writer is None or in_file == self._limits.file_size:
                            if writer is not None:
                                writer.close()
                                files.append(ExportFile(resource_type, file_name(resource_type, part), in_file))
                                part, in_file = part + 1, 0
                            writer = self._files.create(export.id, file_name(resource_type, part))
                        chunk = page[start : start + self._limits.file_size - in_file]
                        writer.write(chunk)
                        in_file += len(chunk)
                        start += len(chunk)
                    written += len(page)
                    if not await self._exports.record_progress(export.id, written, max(total, written)):
                        return None
                    await self._uow.commit()
            finally:
                if writer is not None:
                    writer.close()
            if writer is not None:
                files.append(ExportFile(resource_type, file_name(resource_type, part), in_file))
        return tuple(files)

    async def _finish(
        self, export_id: ExportId, *, files: tuple[ExportFile, ...] = (), failure: str | None = None
    ) -> BulkExport | None:
        export = await self._exports.get(export_id)
        if export is None or export.status is not ExportStatus.IN_PROGRESS:
            self._files.remove(export_id)
            return export
        version, now = export.version, self._clock.now()
        if failure is None:
            export.complete(files, now=now, retention=self._limits.retention)
        else:
            export.fail(failure, now=now, retention=self._limits.retention)
        try:
            await self._exports.save(export, expected_version=version)
        except StaleVersion:  # cancelled between the read above and this write
            self._files.remove(export_id)
            return await self._exports.get(export_id)
        self._jobs.schedule(EXPIRE_TASK, {"export_id": str(export.id)}, at=export.expires_at)
        await self._uow.commit()
        log.info("fhir_export.finished", export_id=str(export.id), status=export.status.value, written=export.written)
        return export


class RunExportJob(JobHandler):
    """``fhir_export.run`` with ``{"export_id": "<uuid>"}``; an id the tenant does not have fails
    the job for good."""

    def __init__(self, run: RunExport) -> None:
        self._run = run

    async def __call__(self, args: Mapping[str, Any]) -> None:
        try:
            export_id = ExportId(UUID(str(args.get("export_id"))))
        except ValueError as exc:
            raise PermanentJobFailure("export_id must be a UUID") from exc
        if await self._run(export_id) is None:
            raise PermanentJobFailure(f"bulk export {export_id} does not exist")
