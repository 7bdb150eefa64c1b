"""FHIR R4 RelatedPerson (PRM's caregivers) read and search under ``/api/v1/prm/fhir`` (issue
14), with the REST caregivers API's ``patients:read`` permission; reads and searches are audited
as the REST ones are (a ``read``; a ``search`` naming the caregivers answered).

- ``GET /fhir/RelatedPerson/{id}``: 404 OperationOutcome for an unknown id or another tenant's;
- ``GET /fhir/RelatedPerson?patient=&name=&_count=&_offset=``: the patient's caregivers in the
  order they were added. ``patient`` (``Patient/<id>`` or an id) is required: caregivers are
  stored and read per patient (at most 50 each), and a search across the tenant's caregivers
  would need a name index they do not have, so a search without it is a 422 naming ``patient``;
  ``name``: every word the start of a given or family name (any case or accent). 422
  OperationOutcome naming the parameter otherwise.
"""

from typing import Annotated, Any
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, Response, get
from litestar.params import FromPath, QueryParameter
from litestar.types import ControllerRouterHandler

from prm.adapters.fhir.related_person import related_person_resource
from prm.adapters.fhir.search_params import reference_id
from prm.application.caregivers.get_caregiver_by_id import GetCaregiverById
from prm.application.caregivers.search_caregivers import SearchCaregivers, SearchCaregiversQuery
from prm.application.shared.ports import Clock
from prm.domain.caregivers.ids import CaregiverId
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.ids import PatientId
from prm.entrypoints.http.fhir_appointment import Reference
from prm.entrypoints.http.fhir_common import (
    FHIR_EXCEPTION_HANDLERS,
    FHIR_PATH,
    TEXT_MAX,
    Count,
    Offset,
    fhir_response,
    page_request,
    searchset_response,
)
from prm.entrypoints.http.fhir_schemas import FHIR_JSON, fhir_responses

READ = {"permission": "patients:read"}


class FhirRelatedPersonController(Controller):
    path = FHIR_PATH
    tags = ("fhir",)
    exception_handlers = FHIR_EXCEPTION_HANDLERS

    @get(
        "/RelatedPerson/{caregiver_id:uuid}",
        opt=READ,
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 404, 422),
        summary="FHIR RelatedPerson read",
    )
    @inject
    async def fhir_read_related_person(
        self, caregiver_id: FromPath[UUID], get_caregiver: FromDishka[GetCaregiverById], clock: FromDishka[Clock]
    ) -> Response[dict[str, Any]]:
        """The FHIR R4 RelatedPerson of a caregiver; 404 (OperationOutcome) for an unknown id or
        another tenant's."""
        caregiver = await get_caregiver(CaregiverId(caregiver_id))
        return fhir_response(related_person_resource(caregiver, clock.now().date()))

    @get(
        "/RelatedPerson",
        opt=READ,
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 422),
        summary="FHIR RelatedPerson search",
    )
    @inject
    async def fhir_search_related_persons(
        self,
        request: Request[Any, Any, Any],
        search: FromDishka[SearchCaregivers],
        clock: FromDishka[Clock],
        patient: Reference = None,
        name: Annotated[str | None, QueryParameter(max_length=TEXT_MAX, description="name word prefixes")] = None,
        count: Count = 20,
        offset: Offset = 0,
    ) -> Response[dict[str, Any]]:
        """A searchset Bundle of the patient's caregivers matching ``name`` (see the module docstring)."""
        if patient is None:
            raise RuleViolated("patient is required: Patient/<id> or an id", field="patient")
        patient_id = PatientId(reference_id(patient, "Patient", "patient"))
        paging = page_request(count, offset)
        page = await search(SearchCaregiversQuery(patient_id=patient_id, name=name, page=paging))
        now = clock.now()
        resources = [related_person_resource(c, now.date()) for c in page.items]
        return searchset_response(request, "RelatedPerson", page, resources, now)


ROUTES: list[ControllerRouterHandler] = [FhirRelatedPersonController]
"""This module's controllers, spread into ``fhir.ROUTES``."""
