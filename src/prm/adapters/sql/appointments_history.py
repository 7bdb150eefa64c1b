"""Appointment history for other contexts (:mod:`prm.application.appointments.patients_not_seen_since`):
one grouped query over ``ix_appointments_tenant_id_patient``."""

from collections.abc import Set
from datetime import datetime

import sqlalchemy as sa

from prm.adapters.sql.appointments_tables import appointments
from prm.adapters.sql.connection import SqlConnection
from prm.application.appointments.patients_not_seen_since import NOT_A_VISIT, AppointmentHistory
from prm.domain.shared.ids import PatientId, TenantId

_a = appointments


class SqlAppointmentHistory(AppointmentHistory):
    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def patients_last_seen_before(self, instant: datetime) -> Set[PatientId]:
        statement = (
            sa.select(_a.c.patient_id)
            .where(_a.c.tenant_id == self._tenant_id, _a.c.status.not_in(sorted(NOT_A_VISIT)))
            .group_by(_a.c.patient_id)
            .having(sa.func.max(_a.c.starts_at) < instant)
        )
        return {PatientId(row[0]) for row in await self._connection.execute(statement)}
