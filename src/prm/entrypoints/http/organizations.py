"""The organisations API under ``/api/v1/prm/organizations``: hospitals and departments."""

from typing import Annotated
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from msgspec import UNSET

from prm.application.organizations.create_organization import CreateOrganization
from prm.application.organizations.delete_organization import DeleteOrganization
from prm.application.organizations.get_organization import GetOrganization
from prm.application.organizations.list_organizations import (
    ListDepartments,
    ListDepartmentsQuery,
    ListOrganizations,
    ListOrganizationsQuery,
)
from prm.application.organizations.update_organization import UpdateOrganization, UpdateOrganizationCommand
from prm.application.shared.context import RequestContext
from prm.application.shared.paging import PageRequest
from prm.domain.organizations.ids import OrganizationId
from prm.domain.organizations.model import Organization, OrganizationStatus, OrganizationType
from prm.entrypoints.http.etag import IfMatch, etag, version_from_if_match
from prm.entrypoints.http.organization_schemas import (
    CreateOrganizationRequest,
    OrganizationResponse,
    UpdateOrganizationRequest,
    organization_response,
    to_changes,
    to_organization_input,
)
from prm.entrypoints.http.paging import PageNumber, PageResponse, PageSize, page_response
from prm.entrypoints.http.problems import problem_responses

TenantQuery = Annotated[UUID | None, QueryParameter(description="Must be the caller's own tenant if given")]
CityQuery = Annotated[str | None, QueryParameter(max_length=200, description="Whole city, any case or accent")]
SearchQuery = Annotated[
    str | None, QueryParameter(max_length=200, description="Part of the name or code, any case or accent")
]
PartOfQuery = Annotated[UUID | None, QueryParameter(description="Only those directly part of this organisation")]


def _with_etag(organization: Organization, status_code: int = 200) -> Response[OrganizationResponse]:
    return Response(
        organization_response(organization), status_code=status_code, headers={"ETag": etag(organization.version)}
    )


class OrganizationController(Controller):
    path = "/organizations"
    tags = ("organizations",)

    @get(opt={"permission": "organizations:read"}, responses=problem_responses(403, 422), summary="List organizations")
    @inject
    async def list_organizations(
        self,
        list_organizations: FromDishka[ListOrganizations],
        context: FromDishka[RequestContext],
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
        type: FromQuery[OrganizationType | None] = None,
        part_of: FromQuery[PartOfQuery] = None,
        status: FromQuery[OrganizationStatus | None] = None,
        city: FromQuery[CityQuery] = None,
        search: FromQuery[SearchQuery] = None,
        tenant_id: FromQuery[TenantQuery] = None,
    ) -> PageResponse[OrganizationResponse]:
        """Hospitals and departments of the caller's tenant by name. ``search`` finds a part of
        the name or code (any case or accent); ``city`` is the address's whole city; ``part_of``
        keeps the direct children of one organisation."""
        context.ensure_tenant(tenant_id)
        result = await list_organizations(
            ListOrganizationsQuery(
                page=PageRequest(page, page_size),
                type=type,
                part_of=OrganizationId(part_of) if part_of is not None else None,
                status=status,
                city=city,
                search=search,
            )
        )
        return page_response(result.map(organization_response))

    @get(
        "/{organization_id:uuid}",
        opt={"permission": "organizations:read"},
        responses=problem_responses(404),
        summary="Get an organization",
    )
    @inject
    async def get_organization(
        self, organization_id: FromPath[UUID], get_organization: FromDishka[GetOrganization]
    ) -> Response[OrganizationResponse]:
        return _with_etag(await get_organization(OrganizationId(organization_id)))

    @get(
        "/{organization_id:uuid}/departments",
        opt={"permission": "organizations:read"},
        responses=problem_responses(404, 422),
        summary="List an organization's departments",
    )
    @inject
    async def list_departments(
        self,
        organization_id: FromPath[UUID],
        list_departments: FromDishka[ListDepartments],
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
        status: FromQuery[OrganizationStatus | None] = None,
    ) -> PageResponse[OrganizationResponse]:
        """The organisations directly part of this one, by name."""
        result = await list_departments(
            ListDepartmentsQuery(
                organization_id=OrganizationId(organization_id), page=PageRequest(page, page_size), status=status
            )
        )
        return page_response(result.map(organization_response))

    @post(
        opt={"permission": "organizations:write"},
        responses=problem_responses(403, 409, 422),
        summary="Create an organization",
    )
    @inject
    async def create_organization(
        self,
        data: JSONBody[CreateOrganizationRequest],
        create: FromDishka[CreateOrganization],
        context: FromDishka[RequestContext],
    ) -> Response[OrganizationResponse]:
        """Create a hospital or a department; a code the tenant already has (any case) is 409, a
        department without ``part_of`` or a ``part_of`` that breaks the hierarchy 422."""
        context.ensure_tenant(data.tenant_id)
        return _with_etag(await create(to_organization_input(data)), status_code=201)

    @patch(
        "/{organization_id:uuid}",
        opt={"permission": "organizations:write"},
        responses=problem_responses(403, 404, 409, 422),
        summary="Update an organization",
    )
    @inject
    async def update_organization(
        self,
        organization_id: FromPath[UUID],
        data: JSONBody[UpdateOrganizationRequest],
        update: FromDishka[UpdateOrganization],
        context: FromDishka[RequestContext],
        if_match: IfMatch = None,
    ) -> Response[OrganizationResponse]:
        """Change the fields present in the body. Send ``If-Match: W/"<version>"`` (or ``version``)
        to have the update refused with 409 if someone changed the organisation since you read it."""
        context.ensure_tenant(data.tenant_id if data.tenant_id is not UNSET else None)
        expected = version_from_if_match(if_match)
        if expected is None and data.version is not UNSET:
            expected = data.version
        organization = await update(
            UpdateOrganizationCommand(
                organization_id=OrganizationId(organization_id), changes=to_changes(data), expected_version=expected
            )
        )
        return _with_etag(organization)

    @delete(
        "/{organization_id:uuid}",
        opt={"permission": "organizations:write"},
        status_code=204,
        responses=problem_responses(404, 409, 422),
        summary="Delete an organization",
    )
    @inject
    async def delete_organization(
        self, organization_id: FromPath[UUID], remove: FromDishka[DeleteOrganization], if_match: IfMatch = None
    ) -> None:
        """Remove the organisation permanently (set ``status`` to ``inactive`` to keep the record);
        refused with 409 while departments are part of it. ``If-Match`` makes it conditional."""
        await remove(OrganizationId(organization_id), expected_version=version_from_if_match(if_match))
