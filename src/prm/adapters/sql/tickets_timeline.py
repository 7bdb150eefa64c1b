"""The tickets context's part of a patient's timeline:

- ``ticket.opened`` at the ticket's creation (details ``title``, ``priority``, ``category``);
- ``ticket.status_changed`` for each status change in the ticket's history (about the history
  line; ``ref_id``: the ticket; details ``from``, ``to``, ``title``).
"""

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.tickets_tables import ticket_activity, tickets
from prm.adapters.sql.timeline import PATIENT, TENANT, TimelineStatement, branch
from prm.application.patients.timeline_ports import TimelineEntry, TimelineKind, TimelinePosition, TimelineSource
from prm.domain.shared.ids import PatientId, TenantId

_t = tickets.c
_a = ticket_activity.c


def _details(event: str, row: Mapping[str, Any]) -> Mapping[str, str | None]:
    if event == "ticket.opened":
        return {"title": row["a"], "priority": row["b"], "category": row["c"]}
    return {"from": row["a"], "to": row["b"], "title": row["c"]}


def _branches(positioned: bool) -> list[sa.Select[Any]]:
    mine = [_t.tenant_id == TENANT, _t.patient_id == PATIENT]
    history = tickets.join(ticket_activity, sa.and_(_a.tenant_id == _t.tenant_id, _a.ticket_id == _t.id))
    return [
        branch("ticket.opened", _t.created_at, _t.id, mine, positioned, details=(_t.title, _t.priority, _t.category)),
        branch(
            "ticket.status_changed",
            _a.at,
            _a.id,
            [*mine, _a.action == "changed", _a.field == "status"],
            positioned,
            ref_id=_t.id,
            details=(_a.from_value, _a.to_value, _t.title),
            select_from=history,
        ),
    ]


_STATEMENT = TimelineStatement(TimelineKind.TICKET, _branches, _details)


class SqlTicketsTimeline(TimelineSource):
    kind = TimelineKind.TICKET

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def before(
        self, patient_id: PatientId, position: TimelinePosition | None, limit: int
    ) -> Sequence[TimelineEntry]:
        return await _STATEMENT.read(self._connection, self._tenant_id, patient_id, position, limit)
