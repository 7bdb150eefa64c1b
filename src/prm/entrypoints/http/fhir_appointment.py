"""FHIR R4 Appointment read and search under ``/api/v1/prm/fhir`` (issue 14), with the REST API's
``appointments:read`` permission (and, like it, no audit event: appointments are not audited reads).

- ``GET /fhir/Appointment/{id}``: 404 OperationOutcome for an unknown id or another tenant's;
- ``GET /fhir/Appointment?patient=&practitioner=&location=&date=&status=&_count=&_offset=``: a
  searchset Bundle by start time. ``patient``/``practitioner``/``location``: ``Type/<id>`` or a
  bare id; ``date`` (the start, repeatable, all must hold) with the prefixes ``eq``, ``ge``,
  ``gt``, ``le``, ``lt`` (UTC when the value has no zone); ``status``: FHIR AppointmentStatus
  codes, comma-separated for any of them. 422 OperationOutcome naming the parameter otherwise.
"""

from typing import Annotated, Any
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, Response, get
from litestar.params import FromPath, QueryParameter

from prm.adapters.fhir.appointment import appointment_resource
from prm.adapters.fhir.search_params import date_range, reference_id, token_codes
from prm.application.appointments.get_appointment import GetAppointment
from prm.application.appointments.list_appointments import ListAppointments
from prm.application.appointments.ports import AppointmentCriteria
from prm.application.shared.ports import Clock
from prm.domain.appointments.ids import AppointmentId, LocationId
from prm.domain.appointments.model import AppointmentStatus
from prm.domain.shared.ids import PatientId, PractitionerId
from prm.entrypoints.http.fhir_common import (
    FHIR_EXCEPTION_HANDLERS,
    FHIR_PATH,
    Count,
    Offset,
    fhir_response,
    page_request,
    searchset_response,
)
from prm.entrypoints.http.fhir_schemas import FHIR_JSON, fhir_responses

READ = {"permission": "appointments:read"}
REFERENCE_MAX = 300
"""Longest reference parameter (characters): room for an absolute URL."""
STATUS_SYSTEM = "http://hl7.org/fhir/appointmentstatus"

Reference = Annotated[str | None, QueryParameter(max_length=REFERENCE_MAX, description="Type/<id> or <id>")]
DateValues = Annotated[
    list[str] | None,
    QueryParameter(
        name="date", max_items=4, description="[eq|ge|gt|le|lt]YYYY[-MM[-DD[Thh:mm[:ss]zone]]], repeatable (AND)"
    ),
]
StatusValues = Annotated[
    str | None, QueryParameter(max_length=REFERENCE_MAX, description="FHIR AppointmentStatus codes, comma-separated")
]


def _id_or_none(value: str | None, resource_type: str, parameter: str) -> UUID | None:
    return reference_id(value, resource_type, parameter) if value is not None else None


class FhirAppointmentController(Controller):
    path = FHIR_PATH
    tags = ("fhir",)
    exception_handlers = FHIR_EXCEPTION_HANDLERS

    @get(
        "/Appointment/{appointment_id:uuid}",
        opt=READ,
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 404, 422),
        summary="FHIR Appointment read",
    )
    @inject
    async def fhir_read_appointment(
        self, appointment_id: FromPath[UUID], get_appointment: FromDishka[GetAppointment]
    ) -> Response[dict[str, Any]]:
        """The FHIR R4 Appointment with its participants; 404 (OperationOutcome) for an unknown id
        or another tenant's."""
        return fhir_response(appointment_resource(await get_appointment(AppointmentId(appointment_id))))

    @get(
        "/Appointment",
        opt=READ,
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 422),
        summary="FHIR Appointment search",
    )
    @inject
    async def fhir_search_appointments(
        self,
        request: Request[Any, Any, Any],
        list_appointments: FromDishka[ListAppointments],
        clock: FromDishka[Clock],
        patient: Reference = None,
        practitioner: Reference = None,
        location: Reference = None,
        dates: DateValues = None,
        status: StatusValues = None,
        count: Count = 20,
        offset: Offset = 0,
    ) -> Response[dict[str, Any]]:
        """A searchset Bundle of the appointments matching every parameter given (none: all of the
        tenant's), by start time then id (see the module docstring for the parameters)."""
        patient_id = _id_or_none(patient, "Patient", "patient")
        practitioner_id = _id_or_none(practitioner, "Practitioner", "practitioner")
        location_id = _id_or_none(location, "Location", "location")
        window = date_range(dates or (), "date")
        statuses = token_codes([status] if status else [], AppointmentStatus, "status", STATUS_SYSTEM)
        criteria = AppointmentCriteria(
            patient_id=PatientId(patient_id) if patient_id else None,
            practitioner_id=PractitionerId(practitioner_id) if practitioner_id else None,
            location_id=LocationId(location_id) if location_id else None,
            statuses=statuses,
            starts_from=window.starts_from,
            starts_before=window.starts_before,
        )
        page = await list_appointments(criteria, page_request(count, offset))
        resources = [appointment_resource(a) for a in page.items]
        return searchset_response(request, "Appointment", page, resources, clock.now())
