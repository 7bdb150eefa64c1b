"""Patient merge wiring: the merge records, the use cases, and every context's
:class:`PatientReferences` adapter.

A context that stores patient ids adds its adapter to :meth:`PatientsMergeProvider.references`
(one line in the tuple, plus its parameter): the merge re-points it and its undo restores it, in
the merge's transaction. The order is the order a merge visits them (an undo goes backwards).
"""

from collections.abc import Sequence

from dishka import Provider, Scope, provide, provide_all

from prm.adapters.sql.appointments_patient_references import SqlAppointmentsPatientReferences
from prm.adapters.sql.caregivers_patient_references import SqlCaregiversPatientReferences
from prm.adapters.sql.communications_patient_references import SqlCommunicationsPatientReferences
from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.integrations_patient_references import SqlIntegrationsPatientReferences
from prm.adapters.sql.journeys_patient_references import SqlJourneysPatientReferences
from prm.adapters.sql.patients_merges import SqlPatientMerges
from prm.adapters.sql.surveys_patient_references import SqlSurveysPatientReferences
from prm.adapters.sql.tags_patient_references import SqlTagsPatientReferences
from prm.adapters.sql.tickets_patient_references import SqlTicketsPatientReferences
from prm.application.patients.get_patient_merge import GetPatientMerge
from prm.application.patients.list_patient_merges import ListPatientMerges
from prm.application.patients.merge_patients import MergePatients
from prm.application.patients.merge_ports import PatientMerges
from prm.application.patients.references import PatientReferences
from prm.application.patients.undo_patient_merge import UndoPatientMerge
from prm.domain.shared.ids import TenantId


def reference_adapters(connection: SqlConnection, tenant_id: TenantId) -> tuple[PatientReferences, ...]:
    """Every context's references to patients, over the unit of work's connection. Add a context
    here (benchmarks and tests use this list too)."""
    return (
        SqlAppointmentsPatientReferences(connection, tenant_id),
        SqlCommunicationsPatientReferences(connection, tenant_id),
        SqlJourneysPatientReferences(connection, tenant_id),
        SqlTicketsPatientReferences(connection, tenant_id),
        SqlSurveysPatientReferences(connection, tenant_id),
        SqlIntegrationsPatientReferences(connection, tenant_id),
        SqlCaregiversPatientReferences(connection, tenant_id),
        SqlTagsPatientReferences(connection, tenant_id),
    )


class PatientsMergeProvider(Provider):
    scope = Scope.REQUEST

    merges = provide(SqlPatientMerges, provides=PatientMerges)
    use_cases = provide_all(MergePatients, UndoPatientMerge, GetPatientMerge, ListPatientMerges)

    @provide
    def references(self, connection: SqlConnection, tenant_id: TenantId) -> Sequence[PatientReferences]:
        return reference_adapters(connection, tenant_id)
