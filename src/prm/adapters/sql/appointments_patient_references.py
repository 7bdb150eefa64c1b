"""The appointments context's patient references for merges: appointments, slot holds and
waitlist entries move to the survivor (no unique key holds a patient id, so nothing collides)."""

from collections.abc import Sequence

from prm.adapters.sql import patient_references as refs
from prm.adapters.sql.appointments_tables import appointments, slot_holds, waitlist_entries
from prm.adapters.sql.connection import SqlConnection
from prm.application.patients.references import PatientReferences, ReferenceChange
from prm.domain.shared.ids import PatientId, TenantId

_TABLES = {t.name: t for t in (appointments, slot_holds, waitlist_entries)}


class SqlAppointmentsPatientReferences(PatientReferences):
    context = "appointments"

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def repoint(self, source: PatientId, target: PatientId) -> Sequence[ReferenceChange]:
        changes: list[ReferenceChange] = []
        for table in _TABLES.values():
            changes += await refs.repoint(self._connection, table, self._tenant_id, source, target)
        return changes

    async def restore(self, changes: Sequence[ReferenceChange]) -> None:
        await refs.restore(self._connection, _TABLES, self._tenant_id, changes)

    async def count(self, patient_id: PatientId) -> int:
        return sum([await refs.count(self._connection, t, self._tenant_id, patient_id) for t in _TABLES.values()])
