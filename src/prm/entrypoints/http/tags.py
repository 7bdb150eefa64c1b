"""The tags API under ``/api/v1/prm/tags`` (issue 13, after MediKeep's tags, per tenant).

- ``GET/POST /tags``, ``GET/PATCH/DELETE /tags/{tag_id}``: the tenant's tags (``tags:read`` /
  ``tags:write``);
- ``PUT/DELETE /tags/{tag_id}/{kind}/{entity_id}``: attach / detach (``kind``: ``patients``,
  ``appointments``, ``tickets``, ``journeys``); needs ``tags:read`` and write on the kind's
  resource (``patients:write`` to tag a patient), idempotent;
- ``GET /tags/{tag_id}/{kind}``: ids of the entities of a kind carrying the tag (read on the kind);
- ``GET /tags/of/{kind}/{entity_id}``: the tags one entity carries (read on the kind).
"""

from typing import Annotated
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, delete, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.types import ControllerRouterHandler
from msgspec import UNSET

from prm.application.shared.paging import PageRequest
from prm.application.tags.attach_tag import AttachTag
from prm.application.tags.create_tag import CreateTag
from prm.application.tags.delete_tag import DeleteTag
from prm.application.tags.detach_tag import DetachTag
from prm.application.tags.get_tag import GetTag
from prm.application.tags.list_tags import ListEntityTags, ListTags
from prm.application.tags.tagged_entities import ListTaggedEntities
from prm.application.tags.update_tag import UpdateTag
from prm.domain.tags.ids import TagId
from prm.domain.tags.model import Tag, TaggedKind
from prm.entrypoints.http.etag import IfMatch, etag, version_from_if_match
from prm.entrypoints.http.paging import PageNumber, PageResponse, PageSize, page_response
from prm.entrypoints.http.patching import given_fields
from prm.entrypoints.http.problems import problem_responses
from prm.entrypoints.http.tags_schemas import (
    CreateTagRequest,
    EntityTagsResponse,
    TaggingResponse,
    TagResponse,
    UpdateTagRequest,
    tag_response,
)

SearchQuery = Annotated[str | None, QueryParameter(max_length=64, description="Part of the name, any case or accent")]


def _with_etag(tag: Tag, status_code: int = 200) -> Response[TagResponse]:
    return Response(tag_response(tag), status_code=status_code, headers={"ETag": etag(tag.version)})


class TagController(Controller):
    path = "/tags"
    tags = ("tags",)

    @get(opt={"permission": "tags:read"}, responses=problem_responses(422), summary="List tags")
    @inject
    async def list_tags(
        self,
        list_tags: FromDishka[ListTags],
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
        search: FromQuery[SearchQuery] = None,
    ) -> PageResponse[TagResponse]:
        """The tenant's tags by name (any case or accent); ``search`` finds a part of the name."""
        return page_response((await list_tags(PageRequest(page, page_size), search)).map(tag_response))

    @post(opt={"permission": "tags:write"}, responses=problem_responses(409, 422), summary="Create a tag")
    @inject
    async def create_tag(
        self, data: JSONBody[CreateTagRequest], create: FromDishka[CreateTag]
    ) -> Response[TagResponse]:
        """A new tag; a name the tenant has already (any case or accent) is 409. ``colour``
        defaults to ``#6B7280``."""
        return _with_etag(
            await create(name=data.name, colour=data.colour, description=data.description), status_code=201
        )

    @get("/{tag_id:uuid}", opt={"permission": "tags:read"}, responses=problem_responses(404), summary="Get a tag")
    @inject
    async def get_tag(self, tag_id: FromPath[UUID], get_tag: FromDishka[GetTag]) -> Response[TagResponse]:
        return _with_etag(await get_tag(TagId(tag_id)))

    @patch(
        "/{tag_id:uuid}",
        opt={"permission": "tags:write"},
        responses=problem_responses(404, 409, 422),
        summary="Update a tag",
    )
    @inject
    async def update_tag(
        self,
        tag_id: FromPath[UUID],
        data: JSONBody[UpdateTagRequest],
        update: FromDishka[UpdateTag],
        if_match: IfMatch = None,
    ) -> Response[TagResponse]:
        """Rename, recolour or describe the tag (everywhere it is attached). ``If-Match`` (or
        ``version``) has a stale change refused with 409; a taken name is 409 too."""
        expected = version_from_if_match(if_match)
        if expected is None and data.version is not UNSET:
            expected = data.version
        changes = given_fields(data, skip={"version"})
        return _with_etag(await update(TagId(tag_id), changes, expected_version=expected))

    @delete(
        "/{tag_id:uuid}",
        opt={"permission": "tags:write"},
        status_code=204,
        responses=problem_responses(404, 409, 422),
        summary="Delete a tag",
    )
    @inject
    async def delete_tag(self, tag_id: FromPath[UUID], remove: FromDishka[DeleteTag], if_match: IfMatch = None) -> None:
        """Delete the tag and detach it from everything. ``If-Match`` makes it conditional."""
        await remove(TagId(tag_id), expected_version=version_from_if_match(if_match))

    @put(
        "/{tag_id:uuid}/{kind:str}/{entity_id:uuid}",
        opt={"permission": "tags:read"},
        responses=problem_responses(403, 404, 422),
        summary="Attach a tag to a patient, appointment, ticket or journey",
    )
    @inject
    async def attach_tag(
        self,
        tag_id: FromPath[UUID],
        kind: FromPath[TaggedKind],
        entity_id: FromPath[UUID],
        attach: FromDishka[AttachTag],
    ) -> TaggingResponse:
        """Attach the tag (again: nothing changes). Needs write on the kind's resource
        (``patients:write`` ...) besides ``tags:read``: 403 otherwise. 404 for a tag or entity
        the tenant does not have; 422 past 100 tags on one entity."""
        tag = await attach(TagId(tag_id), kind, entity_id)
        return TaggingResponse(tag=tag_response(tag), kind=kind, entity_id=entity_id)

    @delete(
        "/{tag_id:uuid}/{kind:str}/{entity_id:uuid}",
        opt={"permission": "tags:read"},
        status_code=204,
        responses=problem_responses(403, 404, 422),
        summary="Detach a tag",
    )
    @inject
    async def detach_tag(
        self,
        tag_id: FromPath[UUID],
        kind: FromPath[TaggedKind],
        entity_id: FromPath[UUID],
        detach: FromDishka[DetachTag],
    ) -> None:
        """Detach the tag (not attached: nothing changes). Needs write on the kind's resource: 403 otherwise."""
        await detach(TagId(tag_id), kind, entity_id)

    @get(
        "/{tag_id:uuid}/{kind:str}",
        opt={"permission": "tags:read"},
        responses=problem_responses(403, 404, 422),
        summary="List the entities carrying a tag",
    )
    @inject
    async def tagged_entities(
        self,
        tag_id: FromPath[UUID],
        kind: FromPath[TaggedKind],
        list_tagged: FromDishka[ListTaggedEntities],
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
    ) -> PageResponse[UUID]:
        """Ids of the tenant's entities of ``kind`` carrying the tag, most recently tagged first.
        Needs read on the kind's resource (``patients:read`` ...): 403 otherwise. Audited."""
        return page_response(await list_tagged(TagId(tag_id), kind, PageRequest(page, page_size)))

    @get(
        "/of/{kind:str}/{entity_id:uuid}",
        opt={"permission": "tags:read"},
        responses=problem_responses(403, 404, 422),
        summary="List an entity's tags",
    )
    @inject
    async def entity_tags(
        self, kind: FromPath[TaggedKind], entity_id: FromPath[UUID], list_entity_tags: FromDishka[ListEntityTags]
    ) -> EntityTagsResponse:
        """The tags a patient, appointment, ticket or journey carries, by name. Needs read on the
        kind's resource: 403 otherwise; 404 for an entity the tenant does not have."""
        found = await list_entity_tags(kind, entity_id)
        return EntityTagsResponse(kind=kind, entity_id=entity_id, items=[tag_response(t) for t in found])


ROUTES: list[ControllerRouterHandler] = [TagController]
"""This module's controllers and handlers, registered by app.py."""
