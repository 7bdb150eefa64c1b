"""FHIR Bulk Data export (issue 14), after the Bulk Data Access IG 2.0
(https://hl7.org/fhir/uv/bulkdata/export.html), under ``/api/v1/prm/fhir``:

- kick-off ``GET /fhir/$export`` (every exportable type) and ``GET /fhir/Patient/$export`` (the
  Patient compartment), with ``Prefer: respond-async``; ``_type`` (comma-separated types),
  ``_since`` (an instant with its zone: records changed after it), ``_outputFormat``
  (``application/fhir+ndjson``, the default). Answers 202 with ``Content-Location``: the status URL;
  a bad parameter is a 400 OperationOutcome naming it;
- status ``GET /fhir/$export-status/{id}``: 202 with ``X-Progress`` and ``Retry-After`` while the
  job runs, 200 with the manifest (``application/json``: ``transactionTime``, ``request``,
  ``requiresAccessToken`` true, ``output`` ``[{type, url, count}]``, ``error`` ``[]``) once done,
  500 OperationOutcome when it failed, 404 unknown or cancelled, 410 expired (24 h after it finished);
- cancel ``DELETE /fhir/$export-status/{id}``: 202, the files are deleted;
- download ``GET /fhir/$export-files/{id}/{name}``: ``application/fhir+ndjson``.

Every route needs ``patients:read`` (the patient export's permission) and sees only the caller's
tenant's exports; kick-off and each download are audited as exports.
"""

import re
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, Response, delete, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter, Parameter, QueryParameter
from litestar.response import File
from litestar.types import ControllerRouterHandler

from prm.adapters.fhir.patient import instant
from prm.adapters.sql.fhir_export_sources import EXPORTABLE_NAMES, PATIENT_COMPARTMENT_NAMES
from prm.application.fhir_export.cancel_export import CancelExport
from prm.application.fhir_export.get_export_file import GetExportFile
from prm.application.fhir_export.get_export_status import GetExportStatus
from prm.application.fhir_export.kick_off_export import KickOffExport, KickOffExportCommand
from prm.application.fhir_export.ports import ExportableTypes
from prm.domain.fhir_export.model import BulkExport, ExportId, ExportLevel, ExportStatus
from prm.entrypoints.http.fhir_common import FHIR_EXCEPTION_HANDLERS, FHIR_PATH, base_url
from prm.entrypoints.http.fhir_schemas import FHIR_JSON, OperationOutcome, fhir_responses
from prm.entrypoints.http.input_policy import RejectedInput

NDJSON = "application/fhir+ndjson"
OUTPUT_FORMATS = frozenset({NDJSON, "application/ndjson", "ndjson"})
"""``_outputFormat`` values the IG asks servers to accept (all mean NDJSON)."""
RETRY_AFTER_SECONDS = 2
STATUS_PATH = "/$export-status"
FILES_PATH = "/$export-files"
_TYPE_NAME = re.compile(r"^[A-Z][A-Za-z]{0,63}$")
_FILE_NAME = r"^[A-Z][A-Za-z]{0,63}(-[0-9]{1,6})?\.ndjson$"

# The OpenAPI document states what is valid (patterns, choices); the checks themselves are this
# module's, so that a bad value is the 400 OperationOutcome the Bulk Data IG asks for.


def _types_pattern(names: tuple[str, ...]) -> str:
    one = "(" + "|".join(names) + ")"
    return f"^{one}(,{one})*$"


SystemTypeQuery = Annotated[
    str | None,
    QueryParameter(
        name="_type",
        max_length=1000,
        description=f"comma-separated types among {', '.join(EXPORTABLE_NAMES)} (default: all you may read)",
        schema_extra={"pattern": _types_pattern(EXPORTABLE_NAMES)},
    ),
]
PatientTypeQuery = Annotated[
    str | None,
    QueryParameter(
        name="_type",
        max_length=1000,
        description=f"comma-separated types among {', '.join(PATIENT_COMPARTMENT_NAMES)} (default: all you may read)",
        schema_extra={"pattern": _types_pattern(PATIENT_COMPARTMENT_NAMES)},
    ),
]
SinceQuery = Annotated[
    str | None,
    QueryParameter(
        name="_since",
        max_length=40,
        description="FHIR instant with a zone: only records changed after it",
        schema_extra={"format": "date-time"},
    ),
]
OutputFormatQuery = Annotated[
    str | None,
    QueryParameter(
        name="_outputFormat",
        max_length=100,
        description="application/fhir+ndjson (the default)",
        schema_extra={"enum": sorted(OUTPUT_FORMATS)},
    ),
]
PreferHeader = Annotated[
    str,
    HeaderParameter(
        name="Prefer",
        required=True,
        max_length=200,
        pattern=r"^.*respond-async.*$",
        description="respond-async (required: the export is asynchronous)",
    ),
]


def _bad(field: str, source: str, detail: str) -> RejectedInput:
    return RejectedInput(400, "fhir_export.bad_parameter", detail, loc=[source, field])


def _resource_types(raw: str | None, supported: tuple[str, ...]) -> tuple[str, ...] | None:
    if raw is None or not raw.strip():
        return None
    names = tuple(n.strip() for n in raw.split(",") if n.strip())
    unknown = [n for n in names if not _TYPE_NAME.match(n) or n not in supported]
    if unknown:
        shown = ", ".join(n if _TYPE_NAME.match(n) else repr(n[:70]) for n in unknown[:5])
        raise _bad("_type", "query", f"_type: cannot export {shown}; supported: {', '.join(supported)}")
    return names


def _since(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw) if "T" in raw.upper() else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise _bad("_since", "query", "_since must be a FHIR instant with a zone, e.g. 2026-01-31T00:00:00Z")
    return moment


def _information(text: str) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "information", "code": "informational", "diagnostics": text}],
    }


def _progress(export: BulkExport) -> str:
    if export.total is None:
        return "queued"
    percent = 100 * export.written // export.total if export.total else 100
    return f"{percent}%: {export.written} of {export.total} resources written"


def manifest(export: BulkExport, base: str) -> dict[str, Any]:
    """The Bulk Data complete-status body ("manifest") of a completed export."""
    return {
        "transactionTime": instant(export.transaction_time),
        "request": export.request.request_url,
        "requiresAccessToken": True,
        "output": [
            {"type": f.resource_type, "url": f"{base}{FILES_PATH}/{export.id}/{f.name}", "count": f.count}
            for f in export.files
        ],
        "error": [],
    }


class FhirExportController(Controller):
    path = FHIR_PATH
    tags = ("fhir",)
    exception_handlers = FHIR_EXCEPTION_HANDLERS

    async def _kick_off(
        self,
        request: Request[Any, Any, Any],
        level: ExportLevel,
        kick_off: KickOffExport,
        types: ExportableTypes,
        resource_types: str | None,
        since: str | None,
        output_format: str | None,
        prefer: str,
    ) -> Response[dict[str, Any]]:
        if "respond-async" not in prefer.lower():
            raise _bad("Prefer", "header", "Prefer: respond-async is required (bulk export is asynchronous)")
        if output_format is not None and output_format not in OUTPUT_FORMATS:
            raise _bad("_outputFormat", "query", f"_outputFormat must be {NDJSON}")
        supported = types.names(patient_compartment=level is ExportLevel.PATIENT)
        export = await kick_off(
            KickOffExportCommand(
                level=level,
                resource_types=_resource_types(resource_types, supported),
                since=_since(since),
                request_url=str(request.url),
            )
        )
        return Response(
            _information(f"bulk export {export.id} accepted: poll the Content-Location"),
            status_code=202,
            media_type=FHIR_JSON,
            headers={"Content-Location": f"{base_url(request)}{STATUS_PATH}/{export.id}"},
        )

    @get(
        "/$export",
        opt={"permission": "patients:read"},
        status_code=202,
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 422),
        summary="FHIR Bulk Data export: kick-off (system level)",
        operation_id="fhirExportKickOff",
    )
    @inject
    async def fhir_export(
        self,
        request: Request[Any, Any, Any],
        kick_off: FromDishka[KickOffExport],
        types: FromDishka[ExportableTypes],
        prefer: PreferHeader,
        resource_types: SystemTypeQuery = None,
        since: SinceQuery = None,
        output_format: OutputFormatQuery = None,
    ) -> Response[dict[str, Any]]:
        """Start exporting every record of the tenant of the given types as NDJSON (Bulk Data
        kick-off). 202 with ``Content-Location`` (the status URL); 400 OperationOutcome naming a
        bad ``_type``, ``_since`` or ``_outputFormat``; 422 without ``Prefer: respond-async``."""
        return await self._kick_off(
            request, ExportLevel.SYSTEM, kick_off, types, resource_types, since, output_format, prefer
        )

    @get(
        "/Patient/$export",
        opt={"permission": "patients:read"},
        status_code=202,
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 422),
        summary="FHIR Bulk Data export: kick-off (all patients)",
        operation_id="fhirPatientExportKickOff",
    )
    @inject
    async def fhir_patient_export(
        self,
        request: Request[Any, Any, Any],
        kick_off: FromDishka[KickOffExport],
        types: FromDishka[ExportableTypes],
        prefer: PreferHeader,
        resource_types: PatientTypeQuery = None,
        since: SinceQuery = None,
        output_format: OutputFormatQuery = None,
    ) -> Response[dict[str, Any]]:
        """As ``$export``, limited to the Patient compartment: the patients and their appointments."""
        return await self._kick_off(
            request, ExportLevel.PATIENT, kick_off, types, resource_types, since, output_format, prefer
        )

    @get(
        STATUS_PATH + "/{export_id:uuid}",
        opt={"permission": "patients:read"},
        media_type="application/json",
        responses={
            202: ResponseSpec(
                data_container=OperationOutcome,
                description="In progress (X-Progress, Retry-After)",
                media_type=FHIR_JSON,
            ),
            **fhir_responses(400, 401, 403, 404, 410, 422, 500),
        },
        summary="FHIR Bulk Data export: status and manifest",
        operation_id="fhirExportStatus",
    )
    @inject
    async def fhir_export_status(
        self, request: Request[Any, Any, Any], export_id: FromPath[UUID], get_status: FromDishka[GetExportStatus]
    ) -> Response[dict[str, Any]]:
        """202 with ``X-Progress`` ("40%: 2000 of 5000 resources written") and ``Retry-After``
        (seconds) while running; 200 with the manifest when complete; 500 OperationOutcome with
        the reason when the export failed; 404 unknown or cancelled; 410 expired."""
        export = await get_status(ExportId(export_id))
        if export.status is ExportStatus.COMPLETED:
            return Response(manifest(export, base_url(request)), media_type="application/json")
        if export.status is ExportStatus.FAILED:
            outcome = _information(export.error or "the export failed")
            outcome["issue"][0].update(severity="fatal", code="exception")
            return Response(outcome, status_code=500, media_type=FHIR_JSON)
        return Response(
            _information(f"bulk export {export.id} in progress"),
            status_code=202,
            media_type=FHIR_JSON,
            headers={"X-Progress": _progress(export), "Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    @delete(
        STATUS_PATH + "/{export_id:uuid}",
        opt={"permission": "patients:read"},
        status_code=202,
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 404, 409, 410, 422),
        summary="FHIR Bulk Data export: cancel",
        operation_id="fhirExportCancel",
    )
    @inject
    async def fhir_export_cancel(
        self, export_id: FromPath[UUID], cancel: FromDishka[CancelExport]
    ) -> Response[dict[str, Any]]:
        """Cancel a running export or discard a finished one and its files (202); 404 unknown or
        already cancelled, 410 expired."""
        await cancel(ExportId(export_id))
        return Response(_information(f"bulk export {export_id} cancelled"), status_code=202, media_type=FHIR_JSON)

    @get(
        FILES_PATH + "/{export_id:uuid}/{name:str}",
        opt={"permission": "patients:read"},
        media_type=NDJSON,
        responses=fhir_responses(400, 401, 403, 404, 410, 422),
        summary="FHIR Bulk Data export: download a file",
        operation_id="fhirExportFile",
    )
    @inject
    async def fhir_export_file(
        self,
        export_id: FromPath[UUID],
        name: Annotated[str, Parameter(max_length=80, pattern=_FILE_NAME, description="a file name of the manifest")],
        get_file: FromDishka[GetExportFile],
    ) -> File:
        """One NDJSON file of a completed export (a FHIR resource per line); 404 for a name the
        manifest does not list, 410 once expired. Audited as an export."""
        location = await get_file(ExportId(export_id), name)
        return File(location.path, filename=location.name, media_type=NDJSON, content_disposition_type="attachment")


ROUTES: list[ControllerRouterHandler] = [FhirExportController]
