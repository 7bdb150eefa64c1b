"""The journeys context's patient references for merges: journey instances move to the survivor
(their unique key is journey and enrolment key, which holds no patient id)."""

from collections.abc import Sequence

from prm.adapters.sql import patient_references as refs
from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.journeys_tables import journey_instances
from prm.application.patients.references import PatientReferences, ReferenceChange
from prm.domain.shared.ids import PatientId, TenantId

_TABLES = {journey_instances.name: journey_instances}


class SqlJourneysPatientReferences(PatientReferences):
    context = "journeys"

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def repoint(self, source: PatientId, target: PatientId) -> Sequence[ReferenceChange]:
        return await refs.repoint(self._connection, journey_instances, self._tenant_id, source, target)

    async def restore(self, changes: Sequence[ReferenceChange]) -> None:
        await refs.restore(self._connection, _TABLES, self._tenant_id, changes)

    async def count(self, patient_id: PatientId) -> int:
        return await refs.count(self._connection, journey_instances, self._tenant_id, patient_id)
