"""The journeys context's part of a patient's timeline, from its instances and their stages:

- ``journey.started`` / ``journey.completed`` / ``journey.cancelled`` about the instance
  (``ref_id``: the journey; details ``status``);
- ``journey.stage_started`` / ``journey.stage_finished`` about the stage (``ref_id``: the
  instance; details ``stage`` (its name), ``status`` (``completed`` or ``skipped`` once
  finished), ``completed_by``).

A stage is named by its id in the journey, so two instances of one journey finishing the same
stage at the very same microsecond would share a timeline key (one may then be left out at a page
boundary); nothing in PRM does that for one patient.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.journeys_tables import journey_instances, journey_stage_instances
from prm.adapters.sql.timeline import PATIENT, TENANT, TimelineStatement, branch
from prm.application.patients.timeline_ports import TimelineEntry, TimelineKind, TimelinePosition, TimelineSource
from prm.domain.shared.ids import PatientId, TenantId

_i = journey_instances.c
_s = journey_stage_instances.c


def _details(event: str, row: Mapping[str, Any]) -> Mapping[str, str | None]:
    if event.startswith("journey.stage_"):
        return {"stage": row["a"], "status": row["b"], "completed_by": row["c"]}
    return {"status": row["a"]}


def _branches(positioned: bool) -> list[sa.Select[Any]]:
    mine = [_i.tenant_id == TENANT, _i.patient_id == PATIENT]
    stages = journey_instances.join(
        journey_stage_instances, sa.and_(_s.tenant_id == _i.tenant_id, _s.instance_id == _i.id)
    )
    instance: dict[str, Any] = {"ref_id": _i.journey_id, "details": (_i.status,)}
    stage: dict[str, Any] = {"ref_id": _i.id, "details": (_s.name, _s.status, _s.completed_by), "select_from": stages}
    return [
        branch("journey.started", _i.started_at, _i.id, mine, positioned, **instance),
        branch("journey.completed", _i.completed_at, _i.id, mine, positioned, **instance),
        branch("journey.cancelled", _i.cancelled_at, _i.id, mine, positioned, **instance),
        branch("journey.stage_started", _s.started_at, _s.stage_id, mine, positioned, **stage),
        branch("journey.stage_finished", _s.completed_at, _s.stage_id, mine, positioned, **stage),
    ]


_STATEMENT = TimelineStatement(TimelineKind.JOURNEY, _branches, _details)


class SqlJourneysTimeline(TimelineSource):
    kind = TimelineKind.JOURNEY

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def before(
        self, patient_id: PatientId, position: TimelinePosition | None, limit: int
    ) -> Sequence[TimelineEntry]:
        return await _STATEMENT.read(self._connection, self._tenant_id, patient_id, position, limit)
