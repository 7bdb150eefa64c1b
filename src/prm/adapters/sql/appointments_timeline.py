"""The appointments context's part of a patient's timeline, from ``appointments`` alone:

- ``appointment.booked`` at ``created_at``, for an appointment booked before it started (an
  imported past visit was recorded, not booked, and shows only its outcome);
- ``appointment.cancelled`` at ``cancelled_at``;
- ``appointment.fulfilled`` at its end, ``appointment.noshow`` at its start.

Details: ``status``, ``appointment_type``; ``ref_at`` is the appointment's start.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from prm.adapters.sql.appointments_tables import appointments
from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.timeline import PATIENT, TENANT, TimelineStatement, branch
from prm.application.patients.timeline_ports import TimelineEntry, TimelineKind, TimelinePosition, TimelineSource
from prm.domain.shared.ids import PatientId, TenantId

_a = appointments.c


def _details(event: str, row: Mapping[str, Any]) -> Mapping[str, str | None]:
    return {"status": row["a"], "appointment_type": row["b"]}


def _branches(positioned: bool) -> list[sa.Select[Any]]:
    mine = [_a.tenant_id == TENANT, _a.patient_id == PATIENT]
    common: dict[str, Any] = {"ref_at": _a.starts_at, "details": (_a.status, _a.appointment_type)}
    return [
        branch(
            "appointment.booked", _a.created_at, _a.id, [*mine, _a.created_at <= _a.starts_at], positioned, **common
        ),
        branch("appointment.cancelled", _a.cancelled_at, _a.id, mine, positioned, **common),
        branch("appointment.fulfilled", _a.ends_at, _a.id, [*mine, _a.status == "fulfilled"], positioned, **common),
        branch("appointment.noshow", _a.starts_at, _a.id, [*mine, _a.status == "noshow"], positioned, **common),
    ]


_STATEMENT = TimelineStatement(TimelineKind.APPOINTMENT, _branches, _details)


class SqlAppointmentsTimeline(TimelineSource):
    kind = TimelineKind.APPOINTMENT

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def before(
        self, patient_id: PatientId, position: TimelinePosition | None, limit: int
    ) -> Sequence[TimelineEntry]:
        return await _STATEMENT.read(self._connection, self._tenant_id, patient_id, position, limit)
