"""The tickets context's patient references for merges: tickets move to the survivor (comments
and activity hang on the ticket, not on the patient)."""

from collections.abc import Sequence

from prm.adapters.sql import patient_references as refs
from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.tickets_tables import tickets
from prm.application.patients.references import PatientReferences, ReferenceChange
from prm.domain.shared.ids import PatientId, TenantId

_TABLES = {tickets.name: tickets}


class SqlTicketsPatientReferences(PatientReferences):
    context = "tickets"

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def repoint(self, source: PatientId, target: PatientId) -> Sequence[ReferenceChange]:
        return await refs.repoint(self._connection, tickets, self._tenant_id, source, target)

    async def restore(self, changes: Sequence[ReferenceChange]) -> None:
        await refs.restore(self._connection, _TABLES, self._tenant_id, changes)

    async def count(self, patient_id: PatientId) -> int:
        return await refs.count(self._connection, tickets, self._tenant_id, patient_id)
