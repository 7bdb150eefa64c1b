"""The surveys context's part of a patient's timeline: ``survey.responded`` at each response
(``ref_id``: the survey template; details ``score``, ``score_kind``, ``below_threshold``
(``true``/``false``)); never the answers."""

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.surveys_tables import survey_responses
from prm.adapters.sql.timeline import PATIENT, TENANT, TimelineStatement, branch
from prm.application.patients.timeline_ports import TimelineEntry, TimelineKind, TimelinePosition, TimelineSource
from prm.domain.shared.ids import PatientId, TenantId

_r = survey_responses.c


def _details(event: str, row: Mapping[str, Any]) -> Mapping[str, str | None]:
    return {"score": row["a"], "score_kind": row["b"], "below_threshold": row["c"]}


def _branches(positioned: bool) -> list[sa.Select[Any]]:
    mine = [_r.tenant_id == TENANT, _r.patient_id == PATIENT]
    below = sa.case((_r.below_threshold, sa.literal_column("'true'")), else_=sa.literal_column("'false'"))
    return [
        branch(
            "survey.responded",
            _r.created_at,
            _r.id,
            mine,
            positioned,
            ref_id=_r.template_id,
            details=(_r.score, _r.score_kind, below),
        )
    ]


_STATEMENT = TimelineStatement(TimelineKind.SURVEY, _branches, _details)


class SqlSurveysTimeline(TimelineSource):
    kind = TimelineKind.SURVEY

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def before(
        self, patient_id: PatientId, position: TimelinePosition | None, limit: int
    ) -> Sequence[TimelineEntry]:
        return await _STATEMENT.read(self._connection, self._tenant_id, patient_id, position, limit)
