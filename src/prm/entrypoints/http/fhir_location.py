"""FHIR R4 Location read and search under ``/api/v1/prm/fhir`` (issue 14), with the REST API's
``schedules:read`` permission (not audited, as the REST reads of locations are not).

- ``GET /fhir/Location/{id}``: 404 OperationOutcome for an unknown id or another tenant's;
- ``GET /fhir/Location?name=&_count=&_offset=``: a searchset Bundle by name; ``name``: every word
  the start of a word of the name (any case or accent).
"""

from typing import Annotated, Any
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, Response, get
from litestar.params import FromPath, QueryParameter

from prm.adapters.fhir.location import location_resource
from prm.application.appointments.find_locations import FindLocations, FindLocationsQuery
from prm.application.appointments.get_location import GetLocation
from prm.application.shared.ports import Clock
from prm.domain.appointments.ids import LocationId
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

READ = {"permission": "schedules:read"}


class FhirLocationController(Controller):
    path = FHIR_PATH
    tags = ("fhir",)
    exception_handlers = FHIR_EXCEPTION_HANDLERS

    @get(
        "/Location/{location_id:uuid}",
        opt=READ,
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 404, 422),
        summary="FHIR Location read",
    )
    @inject
    async def fhir_read_location(
        self, location_id: FromPath[UUID], get_location: FromDishka[GetLocation]
    ) -> Response[dict[str, Any]]:
        """The FHIR R4 Location with its time zone; 404 (OperationOutcome) for an unknown id or another tenant's."""
        return fhir_response(location_resource(await get_location(LocationId(location_id))))

    @get(
        "/Location",
        opt=READ,
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 422),
        summary="FHIR Location search",
    )
    @inject
    async def fhir_search_locations(
        self,
        request: Request[Any, Any, Any],
        find: FromDishka[FindLocations],
        clock: FromDishka[Clock],
        name: Annotated[str | None, QueryParameter(max_length=TEXT_MAX, description="name word prefixes")] = None,
        count: Count = 20,
        offset: Offset = 0,
    ) -> Response[dict[str, Any]]:
        """A searchset Bundle of the tenant's locations matching ``name`` (none: all), by name."""
        page = await find(FindLocationsQuery(name=name, page=page_request(count, offset)))
        resources = [location_resource(loc) for loc in page.items]
        return searchset_response(request, "Location", page, resources, clock.now())
