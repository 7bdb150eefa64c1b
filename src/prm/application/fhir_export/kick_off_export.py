"""Start a bulk export (Bulk Data Access IG 2.0 kick-off: ``[base]/$export``, ``[base]/Patient/$export``)."""

from dataclasses import dataclass
from datetime import datetime

import structlog

from prm.application.fhir_export.ports import ExportableTypes, ExportRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import PrincipalKind, RequestContext
from prm.application.shared.jobs import JobScheduler
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.fhir_export.errors import ExportNotAllowed, UnsupportedResourceType
from prm.domain.fhir_export.model import BulkExport, ExportLevel, ExportRequest

log = structlog.get_logger(__name__)

RUN_TASK = "fhir_export.run"


@dataclass(frozen=True, slots=True, kw_only=True)
class KickOffExportCommand:
    """``resource_types``: ``_type`` (``None``: every type of the level); ``since``: ``_since``
    (aware); ``request_url``: the kick-off URL, echoed in the manifest."""

    level: ExportLevel
    resource_types: tuple[str, ...] | None
    since: datetime | None
    request_url: str


class KickOffExport:
    """Record the export and schedule its job in one commit; audited as an ``export`` naming the
    export (the record keeps who asked for which types). ``UnsupportedResourceType`` (422, naming
    ``_type``) for a type PRM does not export at this level; ``ExportNotAllowed`` (403) for a type
    the caller may not read (``Practitioner`` needs ``practitioners:read``). Without ``_type``,
    every type of the level that the caller may read."""

    def __init__(
        self,
        exports: ExportRepository,
        types: ExportableTypes,
        jobs: JobScheduler,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._exports = exports
        self._types = types
        self._jobs = jobs
        self._audit = audit
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, command: KickOffExportCommand) -> BulkExport:
        allowed = self._types.names(patient_compartment=command.level is ExportLevel.PATIENT)
        unknown = [t for t in command.resource_types or () if t not in allowed]
        if unknown:
            raise UnsupportedResourceType(
                f"cannot export {', '.join(unknown)}; supported: {', '.join(allowed)}", field="_type"
            )
        wanted = command.resource_types or tuple(t for t in allowed if self._may_read(t))
        refused = [t for t in wanted if not self._may_read(t)]
        if refused:
            raise ExportNotAllowed(f"exporting {', '.join(refused)} needs the permission to read them")
        export = BulkExport.kick_off(
            tenant_id=self._context.tenant_id,
            requested_by=self._context.principal.id,
            request=ExportRequest(
                level=command.level,
                resource_types=tuple(dict.fromkeys(wanted)),
                since=command.since,
                request_url=command.request_url,
            ),
            now=self._clock.now(),
        )
        await self._exports.add(export)
        self._jobs.schedule(RUN_TASK, {"export_id": str(export.id)})
        await self._audit.record(AuditAction.EXPORT, "fhir_export", [export.id])
        await self._uow.commit()
        log.info("fhir_export.kicked_off", export_id=str(export.id), types=",".join(export.request.resource_types))
        return export

    def _may_read(self, resource_type: str) -> bool:
        principal = self._context.principal
        return principal.kind is PrincipalKind.SYSTEM or self._types.permission(resource_type) in principal.permissions
