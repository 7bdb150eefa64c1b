"""FHIR R4 (4.0.1) REST under ``/api/v1/prm/fhir`` (issue 14), first slice.

- ``GET /fhir/metadata``: the CapabilityStatement (public, as FHIR expects of it);
- ``GET /fhir/Patient/{id}``: read (``patients:read``, audited as a patient read). A merged
  patient answers with its own record, whose ``link`` ``replaced-by`` names the survivor (FHIR's
  way; the REST API answers 307 instead);
- ``GET /fhir/Patient``: search (``patients:read``, audited as a search) by ``identifier``,
  ``name``, ``family``, ``given``, ``birthdate``, ``gender``, ``phone``, ``email``, paged by
  ``_count`` (1-100, default 20) and ``_offset`` (a multiple of ``_count``); a ``searchset``
  Bundle with ``total``, ``link`` self/next/previous;
- ``GET /fhir/Practitioner/{id}`` and ``GET /fhir/Practitioner`` (``identifier``, ``name``, ``family``,
  ``given``, ``active``, ``_count``, ``_offset``), with ``practitioners:read``.

Answers are ``application/fhir+json``. Errors raised by these routes, their guard and their
parameters are FHIR ``OperationOutcome`` resources with the status the rest of the API would
give (404, 403, 422 ...): the application's problem handlers decide status, logging and wording,
and this controller only re-shapes their answer. Other routes keep ``application/problem+json``.
"""

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.types import ControllerRouterHandler

from prm.adapters.fhir.capability import capability_statement
from prm.adapters.fhir.patient import patient_resource
from prm.adapters.fhir.practitioner import practitioner_resource
from prm.application.patients.find_patient_records import FindPatientRecords, FindPatientRecordsQuery
from prm.application.patients.get_patient import GetPatient
from prm.application.practitioners.find_practitioner_records import (
    FindPractitionerRecords,
    FindPractitionerRecordsQuery,
)
from prm.application.practitioners.get_practitioner import GetPractitioner
from prm.application.shared.ports import Clock
from prm.domain.shared.ids import PatientId, PractitionerId
from prm.domain.shared.person import AdministrativeGender
from prm.entrypoints.http import fhir_communication, fhir_consent, fhir_episode_of_care, fhir_related_person
from prm.entrypoints.http.fhir_appointment import FhirAppointmentController
from prm.entrypoints.http.fhir_common import (
    FHIR_EXCEPTION_HANDLERS,
    FHIR_PATH,
    TEXT_MAX,
    Count,
    Offset,
    base_url,
    fhir_response,
    page_request,
    searchset_response,
)
from prm.entrypoints.http.fhir_location import FhirLocationController
from prm.entrypoints.http.fhir_organization import FhirOrganizationController
from prm.entrypoints.http.fhir_schedule import FhirScheduleController
from prm.entrypoints.http.fhir_schemas import FHIR_JSON, fhir_responses
from prm.entrypoints.http.fhir_task import FhirTaskController
from prm.entrypoints.http.openapi import package_version


class FhirController(Controller):
    path = FHIR_PATH
    tags = ("fhir",)
    exception_handlers = FHIR_EXCEPTION_HANDLERS

    @get(
        "/metadata",
        opt={"public": True},
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 422),
        summary="FHIR CapabilityStatement",
    )
    @inject
    async def fhir_metadata(
        self, request: Request[Any, Any, Any], clock: FromDishka[Clock]
    ) -> Response[dict[str, Any]]:
        """What PRM's FHIR R4 interface serves (FHIR 4.0.1, JSON): resources, interactions, search
        parameters. Public: FHIR clients read it before they authenticate."""
        return fhir_response(
            capability_statement(base_url=base_url(request), software_version=package_version(), now=clock.now())
        )

    @get(
        "/Patient/{patient_id:uuid}",
        opt={"permission": "patients:read"},
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 404, 422),
        summary="FHIR Patient read",
    )
    @inject
    async def fhir_read_patient(
        self, patient_id: FromPath[UUID], get_patient: FromDishka[GetPatient]
    ) -> Response[dict[str, Any]]:
        """The FHIR R4 Patient; 404 (OperationOutcome) for an unknown id or another tenant's. A
        merged patient is answered as it is, ``active: false`` with a ``replaced-by`` link."""
        return fhir_response(patient_resource(await get_patient(PatientId(patient_id))))

    @get(
        "/Patient",
        opt={"permission": "patients:read"},
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 422),
        summary="FHIR Patient search",
    )
    @inject
    async def fhir_search_patients(
        self,
        request: Request[Any, Any, Any],
        find: FromDishka[FindPatientRecords],
        clock: FromDishka[Clock],
        identifier: Annotated[
            str | None, QueryParameter(max_length=511, description="value, or system|value (FHIR token)")
        ] = None,
        name: Annotated[str | None, QueryParameter(max_length=TEXT_MAX, description="name word prefixes")] = None,
        family: Annotated[str | None, QueryParameter(max_length=TEXT_MAX, description="family name prefix")] = None,
        given: Annotated[str | None, QueryParameter(max_length=TEXT_MAX, description="given name prefix")] = None,
        birthdate: Annotated[date | None, QueryParameter(description="YYYY-MM-DD (exact date; no prefixes)")] = None,
        gender: FromQuery[AdministrativeGender | None] = None,
        phone: Annotated[str | None, QueryParameter(max_length=TEXT_MAX, description="any format, ≥ 3 digits")] = None,
        email: Annotated[str | None, QueryParameter(max_length=TEXT_MAX, description="address or fragment")] = None,
        count: Count = 20,
        offset: Offset = 0,
    ) -> Response[dict[str, Any]]:
        """A searchset Bundle of the patients matching every parameter given (none: all of the
        tenant's), by family then given name. ``name``: every word the start of a given or family
        name; ``family``: the family name starts with it; ``given``: one of the given names does
        (any case or accent). 422 for a bad parameter value."""
        # family is matched on the family name's own sort key (an index range, ordered as the
        # Bundle is); given, a given name of any position, needs the name tokens.
        words = " ".join(w for w in (name, given) if w and w.strip()) or None
        page = await find(
            FindPatientRecordsQuery(
                name=words,
                family=family,
                given=given,
                birth_date=birthdate,
                phone=phone,
                email=email,
                identifier=identifier,
                gender=gender,
                page=page_request(count, offset),
            )
        )
        return searchset_response(request, "Patient", page, [patient_resource(p) for p in page.items], clock.now())

    @get(
        "/Practitioner/{practitioner_id:uuid}",
        opt={"permission": "practitioners:read"},
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 404, 422),
        summary="FHIR Practitioner read",
    )
    @inject
    async def fhir_read_practitioner(
        self, practitioner_id: FromPath[UUID], get_practitioner: FromDishka[GetPractitioner]
    ) -> Response[dict[str, Any]]:
        """The FHIR R4 Practitioner; 404 (OperationOutcome) for an unknown id or another tenant's."""
        return fhir_response(practitioner_resource(await get_practitioner(PractitionerId(practitioner_id))))

    @get(
        "/Practitioner",
        opt={"permission": "practitioners:read"},
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 422),
        summary="FHIR Practitioner search",
    )
    @inject
    async def fhir_search_practitioners(
        self,
        request: Request[Any, Any, Any],
        find: FromDishka[FindPractitionerRecords],
        clock: FromDishka[Clock],
        identifier: Annotated[
            str | None, QueryParameter(max_length=511, description="license number or external id, or system|value")
        ] = None,
        name: Annotated[str | None, QueryParameter(max_length=TEXT_MAX, description="name word prefixes")] = None,
        family: Annotated[str | None, QueryParameter(max_length=TEXT_MAX, description="last name prefix")] = None,
        given: Annotated[str | None, QueryParameter(max_length=TEXT_MAX, description="first name prefix")] = None,
        active: FromQuery[bool | None] = None,
        count: Count = 20,
        offset: Offset = 0,
    ) -> Response[dict[str, Any]]:
        """A searchset Bundle of the practitioners matching every parameter given (none: all), by
        last then first name. ``family`` and ``given`` are matched like ``name`` (every word the
        start of a first, middle or last name)."""
        words = " ".join(w for w in (name, family, given) if w and w.strip()) or None
        page = await find(
            FindPractitionerRecordsQuery(
                identifier=identifier, name=words, is_active=active, page=page_request(count, offset)
            )
        )
        resources = [practitioner_resource(p) for p in page.items]
        return searchset_response(request, "Practitioner", page, resources, clock.now())


ROUTES: list[ControllerRouterHandler] = [
    FhirController,
    FhirAppointmentController,
    FhirOrganizationController,
    FhirLocationController,
    FhirScheduleController,
    FhirTaskController,
    *fhir_communication.ROUTES,
    *fhir_consent.ROUTES,
    *fhir_episode_of_care.ROUTES,
    *fhir_related_person.ROUTES,
]
"""This module's controllers and handlers, registered by ``app.py``."""
