"""The caregivers context's patient references for merges: the source's caregivers move to the
survivor (a parent of the one person is a parent of the merged record)."""

from collections.abc import Sequence

from prm.adapters.sql import patient_references as refs
from prm.adapters.sql.caregivers_tables import caregivers
from prm.adapters.sql.connection import SqlConnection
from prm.application.patients.references import PatientReferences, ReferenceChange
from prm.domain.shared.ids import PatientId, TenantId

_TABLES = {caregivers.name: caregivers}


class SqlCaregiversPatientReferences(PatientReferences):
    context = "caregivers"

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def repoint(self, source: PatientId, target: PatientId) -> Sequence[ReferenceChange]:
        return await refs.repoint(self._connection, caregivers, self._tenant_id, source, target)

    async def restore(self, changes: Sequence[ReferenceChange]) -> None:
        await refs.restore(self._connection, _TABLES, self._tenant_id, changes)

    async def count(self, patient_id: PatientId) -> int:
        return await refs.count(self._connection, caregivers, self._tenant_id, patient_id)
