"""The patients context's part of a patient's timeline: its merges, as source or survivor.
``patient.merged`` at the merge and ``patient.merge_undone`` at its undo, about the merge record
(``ref_id``: the other patient; details ``role``: ``source`` (this record was merged into the
other) or ``target`` (the other was merged into this one), ``status``)."""

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.patients_merges_tables import patient_merges
from prm.adapters.sql.timeline import PATIENT, TENANT, TimelineStatement, branch
from prm.application.patients.timeline_ports import TimelineEntry, TimelineKind, TimelinePosition, TimelineSource
from prm.domain.shared.ids import PatientId, TenantId

_g = patient_merges.c


def _details(event: str, row: Mapping[str, Any]) -> Mapping[str, str | None]:
    return {"role": row["a"], "status": row["b"]}


def _branches(positioned: bool) -> list[sa.Select[Any]]:
    is_source = _g.source_patient_id == PATIENT
    common: dict[str, Any] = {
        "ref_id": sa.case((is_source, _g.target_patient_id), else_=_g.source_patient_id),
        "details": (
            sa.case((is_source, sa.literal_column("'source'")), else_=sa.literal_column("'target'")),
            _g.status,
        ),
    }
    return [
        branch(event, at, _g.id, [_g.tenant_id == TENANT, mine], positioned, **common)
        for event, at in (("patient.merged", _g.merged_at), ("patient.merge_undone", _g.undone_at))
        for mine in (is_source, _g.target_patient_id == PATIENT)
    ]


_STATEMENT = TimelineStatement(TimelineKind.MERGE, _branches, _details)


class SqlMergesTimeline(TimelineSource):
    kind = TimelineKind.MERGE

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def before(
        self, patient_id: PatientId, position: TimelinePosition | None, limit: int
    ) -> Sequence[TimelineEntry]:
        return await _STATEMENT.read(self._connection, self._tenant_id, patient_id, position, limit)
