"""The surveys context's patient references for merges: invitations and responses move to the
survivor (their unique keys are token, dedup key and invitation, none a patient id)."""

from collections.abc import Sequence

from prm.adapters.sql import patient_references as refs
from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.surveys_tables import survey_invitations, survey_responses
from prm.application.patients.references import PatientReferences, ReferenceChange
from prm.domain.shared.ids import PatientId, TenantId

_TABLES = {t.name: t for t in (survey_invitations, survey_responses)}


class SqlSurveysPatientReferences(PatientReferences):
    context = "surveys"

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
