"""``GET /api/v1/prm/patients/{patient_id}/export``: a patient's PRM record as a file (Harman's
patient export; issue 13). ``format`` picks JSON, CSV or PDF; the answer is an attachment."""

from typing import Annotated, Any
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, get
from litestar.params import FromPath, FromQuery, QueryParameter

from prm.application.patients.export_patient import ExportPatient
from prm.application.patients.export_ports import ExportFormat
from prm.domain.shared.ids import PatientId
from prm.entrypoints.http.problems import problem_responses

EXPORT_PATH = "/patients/{patient_id}/export"
EXPORT_CONTENT: dict[str, Any] = {
    "application/json": {"schema": {"type": "object"}},
    "text/csv": {"schema": {"type": "string"}},
    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
}
"""The 200 answer's media types, one per ``format`` (set in the OpenAPI document by ``openapi.py``)."""

FormatQuery = Annotated[
    ExportFormat,
    QueryParameter(
        description="json: sections of rows; csv: one table section,row,field,value (RFC 4180, UTF-8); "
        "pdf: a readable document"
    ),
]


class PatientExportController(Controller):
    path = "/patients"
    tags = ("patients",)

    @get(
        "/{patient_id:uuid}/export",
        opt={"permission": "patients:read"},
        responses=problem_responses(404),
        summary="Export a patient's record",
        description="Demographics, appointments, journeys, communications and tickets, oldest first in each "
        "section (at most 10,000 rows a section). Audited as an export.",
    )
    @inject
    async def export_patient(
        self,
        patient_id: FromPath[UUID],
        export_patient: FromDishka[ExportPatient],
        format: FromQuery[FormatQuery] = ExportFormat.JSON,
    ) -> Response[bytes]:
        document = await export_patient(PatientId(patient_id), format)
        return Response(
            document.content,
            media_type=document.media_type,
            headers={"Content-Disposition": f'attachment; filename="{document.filename}"'},
        )
