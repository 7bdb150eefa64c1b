"""Wiring: FHIR Bulk Data export (issue 14): the SQL export records, the registry of exportable
resource types (``adapters/sql/fhir_export_sources.py``), the NDJSON files under
``PRM_STATE_DIR``, the use cases and the ``fhir_export.run``/``fhir_export.expire`` jobs."""

from collections.abc import Mapping

from dishka import Provider, Scope, provide, provide_all

from prm.adapters.fhir.export_files import LocalExportFiles
from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.fhir_export import SqlExportRepository
from prm.adapters.sql.fhir_export_sources import exportable_types
from prm.application.fhir_export.cancel_export import CancelExport
from prm.application.fhir_export.expire_export import ExpireExport, ExpireExportJob
from prm.application.fhir_export.get_export_file import GetExportFile
from prm.application.fhir_export.get_export_status import GetExportStatus
from prm.application.fhir_export.kick_off_export import RUN_TASK, KickOffExport
from prm.application.fhir_export.ports import ExportableTypes, ExportFileStore, ExportLimits, ExportRepository
from prm.application.fhir_export.run_export import EXPIRE_TASK, RunExport, RunExportJob
from prm.application.shared.jobs import JobHandler
from prm.domain.shared.ids import TenantId
from prm.settings import Settings


class FhirExportProvider(Provider):
    scope = Scope.REQUEST

    repository = provide(SqlExportRepository, provides=ExportRepository)
    use_cases = provide_all(
        KickOffExport,
        RunExport,
        RunExportJob,
        GetExportStatus,
        GetExportFile,
        CancelExport,
        ExpireExport,
        ExpireExportJob,
    )

    @provide(scope=Scope.APP)
    def limits(self) -> ExportLimits:
        return ExportLimits()

    @provide
    def types(self, connection: SqlConnection, tenant_id: TenantId) -> ExportableTypes:
        return ExportableTypes(exportable_types(connection, tenant_id))

    @provide
    def files(self, settings: Settings, tenant_id: TenantId) -> ExportFileStore:
        return LocalExportFiles(settings.state_dir, tenant_id)


JOBS: Mapping[str, type[JobHandler]] = {RUN_TASK: RunExportJob, EXPIRE_TASK: ExpireExportJob}
