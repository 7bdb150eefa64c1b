"""FHIR R4 create, update, conditional create and transaction/batch Bundles (issue 14).

- ``POST /fhir/Patient``: create (``patients:write``; the REST create's rules, event and audit).
  201 with ``Location: {base}/Patient/{id}/_history/{version}``, ``ETag: W/"{version}"`` and the
  resource. ``If-None-Exist: identifier=system|value`` (or ``identifier=MRN``) makes it
  conditional (FHIR R4 http.html#ccreate): 200 with the one patient it matches, 412 when it
  matches several.
- ``PUT /fhir/Patient/{id}``: update (the resource replaces what PRM keeps; the MRN stays when the
  resource has none); ``If-Match: W/"{version}"`` checked (412 when stale); 404 for an unknown id
  (no create on update); 400 when the body's ``id`` is another.
- ``POST /fhir``: a ``transaction`` Bundle (all or nothing: an entry that fails answers its
  status with an OperationOutcome naming ``Bundle.entry[i]``, and nothing is written) or a
  ``batch`` (each entry on its own; a ``batch-response`` with each entry's status). See
  :mod:`prm.adapters.fhir.transaction` for the entries read; in Bundles a phone or email PRM
  cannot normalise is left out with a ``warning`` issue in the entry's ``response.outcome``.

Bodies are FHIR JSON (``application/fhir+json`` or ``application/json``); malformed JSON is 400,
a resource that breaks FHIR's structure or PRM's rules 422, with ``issue.expression`` the
FHIRPath of the element (``Patient.birthDate``).
"""

from typing import Annotated, Any
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, Response, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter
from litestar.types import ControllerRouterHandler

from prm.adapters.fhir.appointment import appointment_resource
from prm.adapters.fhir.appointment_in import appointment_input
from prm.adapters.fhir.patient import instant, patient_resource
from prm.adapters.fhir.patient_in import fhir_expression, identifier_token, patient_input
from prm.adapters.fhir.transaction import read_bundle, response_bundle
from prm.application.appointments.book_appointment import BookAppointment
from prm.application.appointments.update_appointment import UpdateAppointment, UpdateAppointmentCommand
from prm.application.fhir.apply_fhir_bundle import ApplyFhirBundle
from prm.application.fhir.create_fhir_patient import CreateFhirPatient, CreateFhirPatientCommand, FhirPatientWritten
from prm.application.fhir.errors import BundleEntryFailed, InvalidResource, MultipleMatches
from prm.application.fhir.update_fhir_patient import UpdateFhirPatient, UpdateFhirPatientCommand
from prm.application.shared.ports import Clock
from prm.domain.appointments.ids import AppointmentId
from prm.domain.appointments.model import Appointment
from prm.domain.shared.errors import DomainError, RuleViolated, StaleVersion
from prm.domain.shared.ids import PatientId
from prm.entrypoints.http.etag import etag, version_from_if_match
from prm.entrypoints.http.fhir_common import FHIR_EXCEPTION_HANDLERS, FHIR_PATH, base_url
from prm.entrypoints.http.fhir_schemas import FHIR_JSON, fhir_responses
from prm.entrypoints.http.input_policy import RejectedInput
from prm.entrypoints.http.problems import status_of

IfNoneExist = Annotated[
    str | None,
    HeaderParameter(
        name="If-None-Exist",
        required=False,
        max_length=600,
        description="identifier=system|value (or identifier=MRN): create only if no patient has it",
    ),
]
FhirIfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        required=False,
        max_length=24,
        pattern=r'^\s*(\*|(W/)?"[0-9]{1,18}"|[0-9]{1,18})\s*$',
        description='ETag of the version you read, e.g. W/"3"; a stale one is answered 412',
    ),
]
_MATCHED = {
    200: ResponseSpec(
        data_container=dict[str, Any], media_type=FHIR_JSON, description="If-None-Exist matched: that patient"
    )
}
_PRECONDITION = (StaleVersion, MultipleMatches)
_BASE_HANDLER = FHIR_EXCEPTION_HANDLERS[DomainError]


def fhir_status(error: DomainError) -> int:
    """The HTTP status FHIR gives ``error``: the API's, but 412 for a stale ``If-Match`` and an
    ambiguous ``If-None-Exist`` (FHIR R4 http.html#concurrency, #ccreate)."""
    return 412 if isinstance(error, _PRECONDITION) else status_of(error)


def _expression(error: DomainError, resource_type: str = "Patient") -> str | None:
    return fhir_expression(error.field, resource_type) if isinstance(error, RuleViolated) else None


def _domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    """The OperationOutcome of the application's handler, with FHIR's status, the entry of a
    failed transaction and the FHIRPath of the element at fault."""
    cause = exc.cause if isinstance(exc, BundleEntryFailed) else exc
    answer = _BASE_HANDLER(request, cause)
    outcome: dict[str, Any] = answer.content
    issue = outcome["issue"][0]
    status = fhir_status(cause)
    if status == 412:
        issue["code"] = "conflict"
    expression = _expression(cause, "Appointment" if "/Appointment" in request.url.path else "Patient")
    if isinstance(exc, BundleEntryFailed):
        issue["diagnostics"] = f"Bundle.entry[{exc.index}]: {cause.detail}"
        if expression and not expression.startswith("Bundle."):
            expression = f"Bundle.entry[{exc.index}].resource.{expression}"
        expression = expression or f"Bundle.entry[{exc.index}]"
    elif isinstance(cause, RuleViolated):
        issue["diagnostics"] = cause.detail
    if expression:
        issue["expression"] = [expression]
    headers = {k: v for k, v in answer.headers.items() if k.lower() != "content-type"}
    return Response(outcome, status_code=status, media_type=FHIR_JSON, headers=headers or None)


async def _document(request: Request[Any, Any, Any]) -> Any:
    body = await request.body()
    if not body.strip():
        raise InvalidResource("the body must be a FHIR resource (JSON)")
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        raise RejectedInput(400, "http.malformed_json", f"the body is not JSON: {exc}", ["body"]) from None


def _written(request: Request[Any, Any, Any], written: FhirPatientWritten) -> Response[dict[str, Any]]:
    patient = written.patient
    headers = {"ETag": etag(patient.version), "Last-Modified": instant(patient.updated_at)}
    if written.created:
        headers["Location"] = f"{base_url(request)}/Patient/{patient.id}/_history/{patient.version}"
    return Response(
        patient_resource(patient),
        status_code=201 if written.created else 200,
        media_type=FHIR_JSON,
        headers=headers,
    )


_HANDLERS: dict[Any, Any] = {**FHIR_EXCEPTION_HANDLERS, DomainError: _domain_error}


def _appointment(
    request: Request[Any, Any, Any], appointment: Appointment, *, created: bool
) -> Response[dict[str, Any]]:
    headers = {"ETag": etag(appointment.version), "Last-Modified": instant(appointment.updated_at)}
    if created:
        headers["Location"] = f"{base_url(request)}/Appointment/{appointment.id}/_history/{appointment.version}"
    return Response(
        appointment_resource(appointment), status_code=201 if created else 200, media_type=FHIR_JSON, headers=headers
    )


class FhirWriteController(Controller):
    path = FHIR_PATH
    tags = ("fhir",)
    exception_handlers = _HANDLERS

    @post(
        "/Patient",
        opt={"permission": "patients:write"},
        media_type=FHIR_JSON,
        status_code=201,
        responses={**_MATCHED, **fhir_responses(400, 401, 403, 409, 412, 413, 422)},
        summary="FHIR Patient create (conditional with If-None-Exist)",
    )
    @inject
    async def fhir_create_patient(
        self,
        request: Request[Any, Any, Any],
        create: FromDishka[CreateFhirPatient],
        if_none_exist: IfNoneExist = None,
    ) -> Response[dict[str, Any]]:
        """Create a patient from a FHIR R4 Patient: 201 with ``Location`` and ``ETag``.
        ``If-None-Exist``: 200 with the patient it matches, 412 when several match. 409 for a taken
        MRN, 422 naming the element at fault."""
        given = patient_input(await _document(request))
        token = identifier_token(if_none_exist) if if_none_exist and if_none_exist.strip() else None
        written = await create(
            CreateFhirPatientCommand(patient=given.patient, match_identifier=token, active=given.active)
        )
        return _written(request, written)

    @put(
        "/Patient/{patient_id:uuid}",
        opt={"permission": "patients:write"},
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 404, 409, 412, 413, 422),
        summary="FHIR Patient update",
    )
    @inject
    async def fhir_update_patient(
        self,
        request: Request[Any, Any, Any],
        patient_id: FromPath[UUID],
        update: FromDishka[UpdateFhirPatient],
        if_match: FhirIfMatch = None,
    ) -> Response[dict[str, Any]]:
        """Replace the patient's details with the resource's; ``If-Match: W/"3"`` makes it
        conditional (412 when the patient is at another version). 404 for an unknown id, 400 when
        the body's ``id`` is another patient's."""
        given = patient_input(await _document(request))
        if given.id is not None and given.id != str(patient_id):
            raise RejectedInput(400, "fhir.id_mismatch", "Patient.id differs from the id in the URL", ["Patient.id"])
        command = UpdateFhirPatientCommand(
            patient_id=PatientId(patient_id),
            patient=given.patient,
            active=given.active,
            expected_version=version_from_if_match(if_match),
        )
        return _written(request, await update(command))

    @post(
        "/Appointment",
        opt={"permission": "appointments:write"},
        media_type=FHIR_JSON,
        status_code=201,
        responses=fhir_responses(400, 401, 403, 404, 409, 413, 422),
        summary="FHIR Appointment create",
    )
    @inject
    async def fhir_create_appointment(
        self, request: Request[Any, Any, Any], book: FromDishka[BookAppointment]
    ) -> Response[dict[str, Any]]:
        """Book from a FHIR R4 Appointment (the REST booking's rules, event and audit): its
        Patient/{id} and Practitioner/{id} participants (and Location/{id}), ``start``/``end``,
        ``status``, ``appointmentType``, ``reasonCode``. 201 with ``Location`` and ``ETag``; 404
        for an unknown patient or practitioner, 409 naming the appointment in the way, 422."""
        read = appointment_input(await _document(request))
        return _appointment(request, await book(read.booking()), created=True)

    @put(
        "/Appointment/{appointment_id:uuid}",
        opt={"permission": "appointments:write"},
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 404, 409, 412, 413, 422),
        summary="FHIR Appointment update",
    )
    @inject
    async def fhir_update_appointment(
        self,
        request: Request[Any, Any, Any],
        appointment_id: FromPath[UUID],
        update: FromDishka[UpdateAppointment],
        if_match: FhirIfMatch = None,
    ) -> Response[dict[str, Any]]:
        """Reschedule (``start``/``end``), move the status (the REST update's life cycle; a
        cancellation has the REST API's own action) and change ``appointmentType`` and
        ``reasonCode``; the participants are the appointment's own and are not changed.
        ``If-Match`` stale: 412; unknown id: 404; the body's ``id`` another: 400."""
        read = appointment_input(await _document(request))
        if read.id is not None and read.id != str(appointment_id):
            raise RejectedInput(
                400, "fhir.id_mismatch", "Appointment.id differs from the id in the URL", ["Appointment.id"]
            )
        updated = await update(
            UpdateAppointmentCommand(
                appointment_id=AppointmentId(appointment_id),
                starts_at=read.starts_at,
                ends_at=read.ends_at,
                status=read.status,
                changes={"appointment_type": read.appointment_type, "reason_text": read.reason_text},
                expected_version=version_from_if_match(if_match),
            )
        )
        return _appointment(request, updated, created=False)

    @post(
        "/",
        opt={"permission": "patients:write"},
        media_type=FHIR_JSON,
        status_code=200,
        responses=fhir_responses(400, 401, 403, 404, 409, 412, 413, 422),
        summary="FHIR transaction or batch Bundle",
    )
    @inject
    async def fhir_bundle(
        self, request: Request[Any, Any, Any], apply: FromDishka[ApplyFhirBundle], clock: FromDishka[Clock]
    ) -> Response[dict[str, Any]]:
        """A ``transaction`` (all or nothing: the first failing entry answers its status, naming
        ``Bundle.entry[i]``; nothing written) or ``batch`` Bundle (each entry alone); answered 200
        with the ``transaction-response`` / ``batch-response``."""
        bundle = read_bundle(await _document(request))
        outcomes = await apply(bundle.entries, atomic=bundle.type == "transaction")
        document = response_bundle(
            bundle.type,
            outcomes,
            base_url=base_url(request),
            now=clock.now(),
            status_of=fhir_status,
            expression_of=_expression,
        )
        return Response(document, media_type=FHIR_JSON)


ROUTES: list[ControllerRouterHandler] = [FhirWriteController]
"""This module's controllers and handlers, registered by ``app.py``."""
