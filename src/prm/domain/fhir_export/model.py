"""A bulk export of a tenant's records as FHIR R4 NDJSON files, and its life cycle.

Source: FHIR Bulk Data Access IG 2.0 (https://hl7.org/fhir/uv/bulkdata/export.html). An export is
kicked off (``in-progress``), written by a background job, then ``completed`` with one or more
files per resource type (or ``failed``); its files are kept for a retention period and then
``expired``. A client may cancel it at any time (``cancelled``: the files are deleted).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NewType
from uuid import UUID

from prm.domain.fhir_export.errors import ExportExpired, ExportNotFound
from prm.domain.shared.ids import TenantId, new_id

ExportId = NewType("ExportId", UUID)


class ExportStatus(StrEnum):
    """Where a bulk export stands (FHIR Bulk Data: 202 while ``in-progress``, 200 once ``completed``)."""

    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class ExportLevel(StrEnum):
    """``system``: ``[base]/$export``, every record of the tenant; ``patient``:
    ``[base]/Patient/$export``, the Patient compartment."""

    SYSTEM = "system"
    PATIENT = "patient"


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportRequest:
    """What was asked: ``resource_types`` (FHIR type names, in file order), ``since`` (only records
    changed after this instant, UTC) and the kick-off URL as the client sent it."""

    level: ExportLevel
    resource_types: tuple[str, ...]
    since: datetime | None
    request_url: str


@dataclass(frozen=True, slots=True)
class ExportFile:
    """One NDJSON file of the manifest: ``count`` resources of ``resource_type``."""

    resource_type: str
    name: str
    count: int


@dataclass(kw_only=True, eq=False)
class BulkExport:
    """One kick-off and its outcome. ``transaction_time`` is the kick-off instant (the manifest's
    ``transactionTime``); ``written`` counts resources written so far, ``total`` those expected
    (known once the job has started); ``expires_at`` ends the files' retention."""

    id: ExportId
    tenant_id: TenantId
    requested_by: str | None
    request: ExportRequest
    status: ExportStatus
    transaction_time: datetime
    written: int = 0
    total: int | None = None
    files: tuple[ExportFile, ...] = ()
    error: str | None = None
    finished_at: datetime | None = None
    expires_at: datetime | None = None
    version: int = 1

    @classmethod
    def kick_off(
        cls, *, tenant_id: TenantId, requested_by: str | None, request: ExportRequest, now: datetime
    ) -> "BulkExport":
        return cls(
            id=ExportId(new_id()),
            tenant_id=tenant_id,
            requested_by=requested_by,
            request=request,
            status=ExportStatus.IN_PROGRESS,
            transaction_time=now,
        )

    def ensure_visible(self, now: datetime) -> None:
        """Raise ``ExportNotFound`` for a cancelled export, ``ExportExpired`` past its retention."""
        if self.status is ExportStatus.CANCELLED:
            raise ExportNotFound(f"bulk export {self.id} not found")
        if self.status is ExportStatus.EXPIRED or (self.expires_at is not None and self.expires_at <= now):
            raise ExportExpired(f"bulk export {self.id} has expired")

    def complete(self, files: tuple[ExportFile, ...], *, now: datetime, retention: timedelta) -> None:
        self.status = ExportStatus.COMPLETED
        self.files = files
        self.written = sum(f.count for f in files)
        self.finished_at = now
        self.expires_at = now + retention

    def fail(self, reason: str, *, now: datetime, retention: timedelta) -> None:
        """``reason`` is shown to the client: a plain sentence, never patient data."""
        self.status = ExportStatus.FAILED
        self.error = reason
        self.finished_at = now
        self.expires_at = now + retention

    def cancel(self, now: datetime) -> None:
        """Cancel a running export or discard a finished one (Bulk Data "Delete a Bulk Data Request")."""
        self.ensure_visible(now)
        self.status = ExportStatus.CANCELLED
        self.finished_at = self.finished_at or now

    def expire(self) -> None:
        self.status = ExportStatus.EXPIRED

    def file(self, name: str) -> ExportFile | None:
        return next((f for f in self.files if f.name == name), None)
