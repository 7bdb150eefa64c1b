"""The integrations context's patient references for merges: integration events matched to the
source patient (``patient_id``) now name the survivor. ``patient_identifier`` (what the feed
sent) stays as received."""

from collections.abc import Sequence

from prm.adapters.sql import patient_references as refs
from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.integrations_tables import integration_events
from prm.application.patients.references import PatientReferences, ReferenceChange
from prm.domain.shared.ids import PatientId, TenantId

_TABLES = {integration_events.name: integration_events}


class SqlIntegrationsPatientReferences(PatientReferences):
    context = "integrations"

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def repoint(self, source: PatientId, target: PatientId) -> Sequence[ReferenceChange]:
        return await refs.repoint(self._connection, integration_events, self._tenant_id, source, target)

    async def restore(self, changes: Sequence[ReferenceChange]) -> None:
        await refs.restore(self._connection, _TABLES, self._tenant_id, changes)

    async def count(self, patient_id: PatientId) -> int:
        return await refs.count(self._connection, integration_events, self._tenant_id, patient_id)
