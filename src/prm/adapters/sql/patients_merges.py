"""SQL adapter of the tenant's merge records (``patient_merges``, see its table module)."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
import sqlalchemy as sa

from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.paging import fetch_page
from prm.adapters.sql.patient_references import runs
from prm.adapters.sql.patients_merges_tables import patient_merges
from prm.application.patients.merge_ports import MergeCriteria, MergeStatus, PatientMergeRecord, PatientMerges
from prm.application.patients.references import ReferenceChange
from prm.application.shared.paging import Page, PageRequest
from prm.domain.patients.links import PatientLink
from prm.domain.patients.model import Patient, PatientDetails, PatientStatus
from prm.domain.shared.ids import PatientId, TenantId

_t = patient_merges


def patient_json(patient: Patient) -> dict[str, Any]:
    """The aggregate as JSON (what undo writes back, versions and times included)."""
    return {
        "id": str(patient.id),
        "tenant_id": str(patient.tenant_id),
        "status": patient.status.value,
        "version": patient.version,
        "created_at": patient.created_at.isoformat(),
        "updated_at": patient.updated_at.isoformat(),
        "details": msgspec.to_builtins(patient.details),
        "links": msgspec.to_builtins(patient.links),
    }


def patient_from_json(data: Mapping[str, Any]) -> Patient:
    return Patient(
        id=PatientId(UUID(data["id"])),
        tenant_id=TenantId(UUID(data["tenant_id"])),
        details=msgspec.convert(data["details"], PatientDetails),
        status=PatientStatus(data["status"]),
        version=data["version"],
        created_at=datetime.fromisoformat(data["created_at"]),
        updated_at=datetime.fromisoformat(data["updated_at"]),
        links=msgspec.convert(data["links"], tuple[PatientLink, ...]),
    )


def changes_json(changes: Sequence[ReferenceChange]) -> list[dict[str, Any]]:
    """Runs of like updates as one entry with many ``keys``; inserts and deletes one entry each."""
    entries: list[dict[str, Any]] = []
    for run in runs(changes):
        first = run[0]
        if first.before is not None and first.after is not None:
            entries.append(
                {"table": first.table, "before": first.before, "after": first.after, "keys": [c.key for c in run]}
            )
        else:
            entries += [{"table": c.table, "before": c.before, "after": c.after, "keys": [c.key]} for c in run]
    return entries


def changes_from_json(entries: Sequence[Mapping[str, Any]]) -> list[ReferenceChange]:
    return [
        ReferenceChange(table=e["table"], key=key, before=e["before"], after=e["after"])
        for e in entries
        for key in e["keys"]
    ]


def _record(row: Any, *, with_changes: bool = True) -> PatientMergeRecord:
    m = row._mapping
    changes = {context: changes_from_json(entries) for context, entries in m["changes"].items()} if with_changes else {}
    return PatientMergeRecord(
        id=m["id"],
        source_id=PatientId(m["source_patient_id"]),
        target_id=PatientId(m["target_patient_id"]),
        status=MergeStatus(m["status"]),
        reason=m["reason"],
        fields=tuple(m["fields"]),
        merged_at=m["merged_at"],
        merged_by=m["merged_by"],
        source_before=patient_from_json(m["source_before"]),
        target_before=patient_from_json(m["target_before"]),
        source_version=m["source_version"],
        target_version=m["target_version"],
        changes=changes,
        counts=dict(m["counts"]),
        undone_at=m["undone_at"],
        undone_by=m["undone_by"],
    )


_LISTED = tuple(c for c in _t.columns if c.name != "changes")


class SqlPatientMerges(PatientMerges):
    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def add(self, record: PatientMergeRecord) -> None:
        await self._connection.execute(
            sa.insert(_t).values(
                tenant_id=self._tenant_id,
                id=record.id,
                source_patient_id=record.source_id,
                target_patient_id=record.target_id,
                status=record.status.value,
                reason=record.reason,
                fields=list(record.fields),
                merged_at=record.merged_at,
                merged_by=record.merged_by,
                source_before=patient_json(record.source_before),
                target_before=patient_json(record.target_before),
                source_version=record.source_version,
                target_version=record.target_version,
                changes={context: changes_json(changes) for context, changes in record.changes.items()},
                counts=dict(record.counts),
                undone_at=record.undone_at,
                undone_by=record.undone_by,
            )
        )

    async def get(self, merge_id: UUID) -> PatientMergeRecord | None:
        row = (
            await self._connection.execute(sa.select(_t).where(_t.c.tenant_id == self._tenant_id, _t.c.id == merge_id))
        ).first()
        return _record(row) if row else None

    async def mark_undone(self, merge_id: UUID, at: datetime, by: str) -> bool:
        result = await self._connection.execute(
            sa.update(_t)
            .where(_t.c.tenant_id == self._tenant_id, _t.c.id == merge_id, _t.c.status == MergeStatus.MERGED.value)
            .values(status=MergeStatus.UNDONE.value, undone_at=at, undone_by=by)
        )
        return result.rowcount == 1

    async def find(self, criteria: MergeCriteria, page: PageRequest) -> Page[PatientMergeRecord]:
        where: list[sa.ColumnElement[bool]] = [_t.c.tenant_id == self._tenant_id]
        if criteria.patient_id is not None:
            where.append(
                sa.or_(_t.c.source_patient_id == criteria.patient_id, _t.c.target_patient_id == criteria.patient_id)
            )
        if criteria.status is not None:
            where.append(_t.c.status == criteria.status.value)
        return await fetch_page(
            self._connection,
            _t,
            where,
            (_t.c.merged_at.desc(), _t.c.id.desc()),
            page,
            lambda row: _record(row, with_changes=False),
            _LISTED,
        )
