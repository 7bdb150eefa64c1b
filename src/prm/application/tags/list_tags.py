"""The tenant's tags (``GET /tags``)."""

from collections.abc import Sequence
from uuid import UUID

from prm.application.shared.context import RequestContext
from prm.application.shared.paging import Page, PageRequest
from prm.application.tags.access import existing_entity, require
from prm.application.tags.ports import TagFinder, TaggableEntities, TagLinks
from prm.domain.shared.text import fold
from prm.domain.tags.model import Tag, TaggedKind


class ListTags:
    """A page of the tenant's tags by name (any case or accent); ``search`` finds a part of the
    name. No audit event: tags are no PHI."""

    def __init__(self, finder: TagFinder) -> None:
        self._finder = finder

    async def __call__(self, page: PageRequest, search: str | None = None) -> Page[Tag]:
        folded = " ".join(fold(search).split()) if search and search.strip() else None
        return await self._finder.find(folded, page)


class ListEntityTags:
    """The tags one entity carries (``GET /tags?kind=&entity_id=``), ordered by name. Needs
    ``<kind>:read`` (``Forbidden``, 403); raises ``TaggedEntityNotFound`` (404) for an entity the
    tenant does not have. No audit event: tags are no PHI."""

    def __init__(self, links: TagLinks, entities: TaggableEntities, context: RequestContext) -> None:
        self._links = links
        self._entities = entities
        self._context = context

    async def __call__(self, kind: TaggedKind, entity_id: UUID) -> Sequence[Tag]:
        require(self._context, kind, "read")
        await existing_entity(self._entities, kind, entity_id)
        return (await self._links.tags_of(kind, [entity_id])).get(entity_id, ())
