"""FHIR R4 Organization read and search under ``/api/v1/prm/fhir`` (issue 14), with the REST API's
``organizations:read`` permission; reads and searches are audited as the REST ones are.

- ``GET /fhir/Organization/{id}``: 404 OperationOutcome for an unknown id or another tenant's;
- ``GET /fhir/Organization?identifier=&name=&type=&partof=&active=&address-city=&_count=&_offset=``:
  a searchset Bundle by name. ``identifier``: the whole code, or ``urn:prm:organization-code|code``;
  ``name``: found in the name or code (any case or accent: broader than FHIR's starts-with);
  ``type``: ``prov`` (hospitals) or ``dept`` (departments) of
  http://terminology.hl7.org/CodeSystem/organization-type; ``partof``: ``Organization/<id>`` or
  an id; ``address-city``: the whole city. 422 OperationOutcome naming the parameter otherwise.
"""

from typing import Annotated, Any
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery, QueryParameter

from prm.adapters.fhir.organization import ORGANIZATION_CODE_SYSTEM, organization_resource
from prm.adapters.fhir.search_params import reference_id
from prm.application.organizations.find_organization_records import (
    FindOrganizationRecords,
    FindOrganizationRecordsQuery,
)
from prm.application.organizations.get_organization import GetOrganization
from prm.application.shared.ports import Clock
from prm.domain.organizations.ids import OrganizationId
from prm.domain.organizations.model import FHIR_ORGANIZATION_TYPE, OrganizationStatus, OrganizationType
from prm.domain.shared.errors import RuleViolated
from prm.entrypoints.http.fhir_appointment import REFERENCE_MAX, Reference
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

READ = {"permission": "organizations:read"}
_TYPES = {t.fhir_code: t for t in OrganizationType}


def _system_value(value: str, system: str, parameter: str) -> str:
    """The code of a ``token`` value ``code`` or ``system|code`` (422 for another system)."""
    given, bar, code = value.partition("|")
    if not bar:
        return value.strip()
    if given and given != system:
        raise RuleViolated(f"{parameter}: the system must be {system}", field=parameter)
    return code.strip()


def _type(value: str | None) -> OrganizationType | None:
    if value is None:
        return None
    code = _system_value(value, FHIR_ORGANIZATION_TYPE, "type")
    if code not in _TYPES:
        raise RuleViolated("type must be prov (a hospital) or dept (a department)", field="type")
    return _TYPES[code]


class FhirOrganizationController(Controller):
    path = FHIR_PATH
    tags = ("fhir",)
    exception_handlers = FHIR_EXCEPTION_HANDLERS

    @get(
        "/Organization/{organization_id:uuid}",
        opt=READ,
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 404, 422),
        summary="FHIR Organization read",
    )
    @inject
    async def fhir_read_organization(
        self, organization_id: FromPath[UUID], get_organization: FromDishka[GetOrganization]
    ) -> Response[dict[str, Any]]:
        """The FHIR R4 Organization; 404 (OperationOutcome) for an unknown id or another tenant's."""
        return fhir_response(organization_resource(await get_organization(OrganizationId(organization_id))))

    @get(
        "/Organization",
        opt=READ,
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 422),
        summary="FHIR Organization search",
    )
    @inject
    async def fhir_search_organizations(
        self,
        request: Request[Any, Any, Any],
        find: FromDishka[FindOrganizationRecords],
        clock: FromDishka[Clock],
        identifier: Annotated[
            str | None, QueryParameter(max_length=REFERENCE_MAX, description="code, or system|code")
        ] = None,
        name: Annotated[str | None, QueryParameter(max_length=TEXT_MAX, description="part of the name or code")] = None,
        type: Annotated[str | None, QueryParameter(max_length=REFERENCE_MAX, description="prov | dept")] = None,
        partof: Reference = None,
        active: FromQuery[bool | None] = None,
        city: Annotated[
            str | None, QueryParameter(name="address-city", max_length=TEXT_MAX, description="the whole city")
        ] = None,
        count: Count = 20,
        offset: Offset = 0,
    ) -> Response[dict[str, Any]]:
        """A searchset Bundle of the organisations matching every parameter given (none: all of
        the tenant's), by name (see the module docstring for the parameters)."""
        code = _system_value(identifier, ORGANIZATION_CODE_SYSTEM, "identifier") if identifier is not None else None
        status = None if active is None else OrganizationStatus.ACTIVE if active else OrganizationStatus.INACTIVE
        query = FindOrganizationRecordsQuery(
            page=page_request(count, offset),
            code=code,
            name=name,
            type=_type(type),
            part_of=OrganizationId(reference_id(partof, "Organization", "partof")) if partof is not None else None,
            status=status,
            city=city,
        )
        page = await find(query)
        resources = [organization_resource(o) for o in page.items]
        return searchset_response(request, "Organization", page, resources, clock.now())
