"""The communications context's part of a patient's timeline: ``message.inbound`` and
``message.outbound`` at each message's creation, without its body (``ref_id``: the thread;
details ``channel``, ``status``, ``category``)."""

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from prm.adapters.sql.communications_messages_tables import communication_messages
from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.timeline import PATIENT, TENANT, TimelineStatement, branch
from prm.application.patients.timeline_ports import TimelineEntry, TimelineKind, TimelinePosition, TimelineSource
from prm.domain.shared.ids import PatientId, TenantId

_m = communication_messages.c


def _details(event: str, row: Mapping[str, Any]) -> Mapping[str, str | None]:
    return {"channel": row["a"], "status": row["b"], "category": row["c"]}


def _branches(positioned: bool) -> list[sa.Select[Any]]:
    mine = [_m.tenant_id == TENANT, _m.patient_id == PATIENT]
    common: dict[str, Any] = {"ref_id": _m.thread_id, "details": (_m.channel, _m.status, _m.category)}
    return [
        branch(f"message.{direction}", _m.created_at, _m.id, [*mine, _m.direction == direction], positioned, **common)
        for direction in ("inbound", "outbound")
    ]


_STATEMENT = TimelineStatement(TimelineKind.MESSAGE, _branches, _details)


class SqlCommunicationsTimeline(TimelineSource):
    kind = TimelineKind.MESSAGE

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def before(
        self, patient_id: PatientId, position: TimelinePosition | None, limit: int
    ) -> Sequence[TimelineEntry]:
        return await _STATEMENT.read(self._connection, self._tenant_id, patient_id, position, limit)
