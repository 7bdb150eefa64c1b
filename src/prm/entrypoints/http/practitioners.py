"""The practitioners API under ``/api/v1/prm/practitioners`` (reference: "Practitioners API")."""

from typing import Annotated
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from msgspec import UNSET

from prm.application.practitioners.delete_practitioner import DeletePractitioner
from prm.application.practitioners.get_practitioner import GetPractitioner
from prm.application.practitioners.list_practitioners import ListPractitioners, ListPractitionersQuery
from prm.application.practitioners.list_practitioners_simple import (
    ListPractitionersSimple,
    ListPractitionersSimpleQuery,
)
from prm.application.practitioners.list_specialities import ListSpecialities
from prm.application.practitioners.register_practitioner import RegisterPractitioner
from prm.application.practitioners.update_practitioner import UpdatePractitioner, UpdatePractitionerCommand
from prm.application.shared.context import RequestContext
from prm.application.shared.paging import PageRequest
from prm.domain.practitioners.model import Practitioner
from prm.domain.shared.ids import PractitionerId
from prm.entrypoints.http.etag import IfMatch, etag, version_from_if_match
from prm.entrypoints.http.paging import PageNumber, PageResponse, PageSize, page_response
from prm.entrypoints.http.practitioner_schemas import (
    CreatePractitionerRequest,
    PractitionerResponse,
    PractitionerSimpleResponse,
    UpdatePractitionerRequest,
    practitioner_response,
    practitioner_simple,
    to_changes,
    to_practitioner_input,
)
from prm.entrypoints.http.problems import problem_responses

TenantQuery = Annotated[UUID | None, QueryParameter(description="Must be the caller's own tenant if given")]
SpecialityQuery = Annotated[
    str | None, QueryParameter(max_length=200, description="Whole speciality, any case or accent")
]
SearchQuery = Annotated[str | None, QueryParameter(max_length=200, description="Name prefixes, e.g. 'jo smi'")]


def _with_etag(practitioner: Practitioner, status_code: int = 200) -> Response[PractitionerResponse]:
    return Response(
        practitioner_response(practitioner), status_code=status_code, headers={"ETag": etag(practitioner.version)}
    )


class PractitionerController(Controller):
    path = "/practitioners"
    tags = ("practitioners",)

    @get(opt={"permission": "practitioners:read"}, responses=problem_responses(403, 422), summary="List practitioners")
    @inject
    async def list_practitioners(
        self,
        list_practitioners: FromDishka[ListPractitioners],
        context: FromDishka[RequestContext],
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
        speciality: FromQuery[SpecialityQuery] = None,
        is_active: FromQuery[bool | None] = None,
        search: FromQuery[SearchQuery] = None,
        tenant_id: FromQuery[TenantQuery] = None,
    ) -> PageResponse[PractitionerResponse]:
        """Practitioners of the caller's tenant by last then first name. ``search`` matches the
        start of first, middle or last names (any case or accent); ``speciality`` the whole
        speciality (any case or accent)."""
        context.ensure_tenant(tenant_id)
        result = await list_practitioners(
            ListPractitionersQuery(
                page=PageRequest(page, page_size), search=search, speciality=speciality, is_active=is_active
            )
        )
        return page_response(result.map(practitioner_response))

    @get(
        "/simple",
        opt={"permission": "practitioners:read"},
        responses=problem_responses(403, 422),
        summary="List practitioners for dropdowns",
    )
    @inject
    async def list_simple(
        self,
        list_simple: FromDishka[ListPractitionersSimple],
        context: FromDishka[RequestContext],
        speciality: FromQuery[SpecialityQuery] = None,
        active_only: FromQuery[bool] = True,
        tenant_id: FromQuery[TenantQuery] = None,
    ) -> list[PractitionerSimpleResponse]:
        """Id, display name, speciality and status, by last then first name; active ones only
        unless ``active_only=false``. At most 1000 entries (use the paginated list beyond)."""
        context.ensure_tenant(tenant_id)
        found = await list_simple(ListPractitionersSimpleQuery(speciality=speciality, active_only=active_only))
        return [practitioner_simple(s) for s in found]

    @get(
        "/specialities",
        opt={"permission": "practitioners:read"},
        responses=problem_responses(403),
        summary="List specialities in use",
    )
    @inject
    async def list_specialities(
        self,
        list_specialities: FromDishka[ListSpecialities],
        context: FromDishka[RequestContext],
        tenant_id: FromQuery[TenantQuery] = None,
    ) -> list[str]:
        """The distinct specialities of the tenant's practitioners, sorted, for filters."""
        context.ensure_tenant(tenant_id)
        return list(await list_specialities())

    @get(
        "/{practitioner_id:uuid}",
        opt={"permission": "practitioners:read"},
        responses=problem_responses(404),
        summary="Get a practitioner",
    )
    @inject
    async def get_practitioner(
        self, practitioner_id: FromPath[UUID], get_practitioner: FromDishka[GetPractitioner]
    ) -> Response[PractitionerResponse]:
        return _with_etag(await get_practitioner(PractitionerId(practitioner_id)))

    @post(
        opt={"permission": "practitioners:write"},
        responses=problem_responses(403, 409, 422),
        summary="Create a practitioner",
    )
    @inject
    async def create_practitioner(
        self,
        data: JSONBody[CreatePractitionerRequest],
        register: FromDishka[RegisterPractitioner],
        context: FromDishka[RequestContext],
    ) -> Response[PractitionerResponse]:
        """Register a practitioner; a license number or external id the tenant already has is 409."""
        context.ensure_tenant(data.tenant_id)
        return _with_etag(await register(to_practitioner_input(data)), status_code=201)

    @patch(
        "/{practitioner_id:uuid}",
        opt={"permission": "practitioners:write"},
        responses=problem_responses(403, 404, 409, 422),
        summary="Update a practitioner",
    )
    @inject
    async def update_practitioner(
        self,
        practitioner_id: FromPath[UUID],
        data: JSONBody[UpdatePractitionerRequest],
        update: FromDishka[UpdatePractitioner],
        context: FromDishka[RequestContext],
        if_match: IfMatch = None,
    ) -> Response[PractitionerResponse]:
        """Change the fields present in the body. Send ``If-Match: W/"<version>"`` (or ``version``)
        to have the update refused with 409 if someone changed the practitioner since you read it."""
        context.ensure_tenant(data.tenant_id if data.tenant_id is not UNSET else None)
        expected = version_from_if_match(if_match)
        if expected is None and data.version is not UNSET:
            expected = data.version
        practitioner = await update(
            UpdatePractitionerCommand(
                practitioner_id=PractitionerId(practitioner_id), changes=to_changes(data), expected_version=expected
            )
        )
        return _with_etag(practitioner)

    @delete(
        "/{practitioner_id:uuid}",
        opt={"permission": "practitioners:write"},
        status_code=204,
        responses=problem_responses(404, 409, 422),
        summary="Delete a practitioner",
    )
    @inject
    async def delete_practitioner(
        self, practitioner_id: FromPath[UUID], remove: FromDishka[DeletePractitioner], if_match: IfMatch = None
    ) -> None:
        """Remove the practitioner permanently (set ``is_active`` to false to keep the record).
        ``If-Match`` makes the deletion conditional (409 when stale)."""
        await remove(PractitionerId(practitioner_id), expected_version=version_from_if_match(if_match))
