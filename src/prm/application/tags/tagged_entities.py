"""The entities of a kind carrying a tag (``GET /tags/{tag_id}/{kind}``)."""

from uuid import UUID

from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.paging import Page, PageRequest
from prm.application.shared.ports import UnitOfWork
from prm.application.tags.access import AUDIT_ENTITY, require
from prm.application.tags.get_tag import existing
from prm.application.tags.ports import TagLinks, TagRepository
from prm.domain.tags.ids import TagId
from prm.domain.tags.model import TaggedKind


class ListTaggedEntities:
    """A page of the ids of the tenant's entities of ``kind`` carrying the tag, most recently
    tagged first. Needs ``<kind>:read`` (``Forbidden``, 403); raises ``TagNotFound`` (404).
    Records one ``search`` audit event naming every entity listed (patients: a PHI read) and commits."""

    def __init__(
        self, tags: TagRepository, links: TagLinks, context: RequestContext, audit: AuditTrail, uow: UnitOfWork
    ) -> None:
        self._tags = tags
        self._links = links
        self._context = context
        self._audit = audit
        self._uow = uow

    async def __call__(self, tag_id: TagId, kind: TaggedKind, page: PageRequest) -> Page[UUID]:
        require(self._context, kind, "read")
        tag = await existing(self._tags, tag_id)
        found = await self._links.entities(tag.id, kind, page)
        await self._audit.record(AuditAction.SEARCH, AUDIT_ENTITY[kind], list(found.items))
        await self._uow.commit()
        return found
