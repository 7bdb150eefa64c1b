"""SQL adapter of the bulk exports, built with the caller's ``TenantId`` (in every statement)."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.fhir_export_tables import fhir_exports
from prm.application.fhir_export.ports import ExportRepository
from prm.domain.fhir_export.model import (
    BulkExport,
    ExportFile,
    ExportId,
    ExportLevel,
    ExportRequest,
    ExportStatus,
)
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import TenantId

_c = fhir_exports.c
_STATE = ("status", "written", "total", "files", "error", "finished_at", "expires_at", "version")


def _to_row(export: BulkExport) -> dict[str, Any]:
    r = export.request
    return {
        "tenant_id": export.tenant_id,
        "id": export.id,
        "requested_by": export.requested_by,
        "level": r.level.value,
        "resource_types": list(r.resource_types),
        "since": r.since,
        "request_url": r.request_url,
        "status": export.status.value,
        "transaction_time": export.transaction_time,
        "written": export.written,
        "total": export.total,
        "files": [{"type": f.resource_type, "name": f.name, "count": f.count} for f in export.files],
        "error": export.error,
        "finished_at": export.finished_at,
        "expires_at": export.expires_at,
        "version": export.version,
    }


def _from_row(m: Mapping[str, Any]) -> BulkExport:
    return BulkExport(
        id=ExportId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        requested_by=m["requested_by"],
        request=ExportRequest(
            level=ExportLevel(m["level"]),
            resource_types=tuple(m["resource_types"]),
            since=m["since"],
            request_url=m["request_url"],
        ),
        status=ExportStatus(m["status"]),
        transaction_time=m["transaction_time"],
        written=m["written"],
        total=m["total"],
        files=tuple(ExportFile(f["type"], f["name"], f["count"]) for f in m["files"]),
        error=m["error"],
        finished_at=m["finished_at"],
        expires_at=m["expires_at"],
        version=m["version"],
    )


class SqlExportRepository(ExportRepository):
    """The tenant's ``fhir_exports`` rows (one a bulk export: its request, status, progress, files)."""

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def _mine(self, export_id: ExportId) -> sa.ColumnElement[bool]:
        return sa.and_(_c.tenant_id == self._tenant_id, _c.id == export_id)

    async def add(self, export: BulkExport) -> None:
        await self._connection.execute(sa.insert(fhir_exports).values(**_to_row(export)))

    async def get(self, export_id: ExportId) -> BulkExport | None:
        row = (await self._connection.execute(sa.select(fhir_exports).where(self._mine(export_id)))).first()
        return _from_row(row._mapping) if row else None

    async def save(self, export: BulkExport, *, expected_version: int) -> None:
        export.version = expected_version + 1
        row = _to_row(export)
        result = await self._connection.execute(
            sa.update(fhir_exports)
            .where(self._mine(export.id), _c.version == expected_version)
            .values({name: row[name] for name in _STATE})
        )
        if result.rowcount == 0:
            export.version = expected_version
            raise StaleVersion("the bulk export was changed meanwhile: try again")

    async def record_progress(self, export_id: ExportId, written: int, total: int | None) -> bool:
        result = await self._connection.execute(
            sa.update(fhir_exports)
            .where(self._mine(export_id), _c.status == ExportStatus.IN_PROGRESS.value)
            .values(written=written, total=total)
        )
        return bool(result.rowcount == 1)


def since_filter(column: sa.ColumnElement[datetime], since: datetime | None) -> list[sa.ColumnElement[bool]]:
    """``column > since`` when ``since`` is given (Bulk Data ``_since``: changed after it)."""
    return [column > since] if since is not None else []
