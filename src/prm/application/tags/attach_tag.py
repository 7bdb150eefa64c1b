"""Attach a tag to an entity (``PUT /tags/{tag_id}/{kind}/{entity_id}``)."""

from uuid import UUID

import structlog

from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.application.tags.access import AUDIT_ENTITY, existing_entity, require
from prm.application.tags.get_tag import existing
from prm.application.tags.ports import MAX_TAGS_PER_ENTITY, TaggableEntities, TagLinks, TagRepository
from prm.domain.tags.errors import InvalidTag
from prm.domain.tags.events import TagAttached
from prm.domain.tags.ids import TagId
from prm.domain.tags.model import Tag, TaggedKind

log = structlog.get_logger(__name__)


class AttachTag:
    """Attach the tag to a patient, appointment, ticket or journey instance of the tenant; again
    changes nothing (idempotent). Needs ``<kind>:write`` (``Forbidden``, 403). Raises
    ``TagNotFound`` (404), ``TaggedEntityNotFound`` (404), ``InvalidTag`` (422) past
    :data:`~prm.application.tags.ports.MAX_TAGS_PER_ENTITY` tags. Records ``TagAttached`` and
    an ``update`` audit event on the entity (field ``tags``) when it attached something. Returns the tag."""

    def __init__(
        self,
        tags: TagRepository,
        links: TagLinks,
        entities: TaggableEntities,
        outbox: Outbox,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
        audit: AuditTrail,
    ) -> None:
        self._tags = tags
        self._links = links
        self._entities = entities
        self._outbox = outbox
        self._uow = uow
        self._clock = clock
        self._context = context
        self._audit = audit

    async def __call__(self, tag_id: TagId, kind: TaggedKind, entity_id: UUID) -> Tag:
        require(self._context, kind, "write")
        tag = await existing(self._tags, tag_id)
        await existing_entity(self._entities, kind, entity_id)
        if await self._links.count_of(kind, entity_id) >= MAX_TAGS_PER_ENTITY:
            raise InvalidTag(f"an entity carries at most {MAX_TAGS_PER_ENTITY} tags", field="tag_id")
        if await self._links.attach(tag.id, kind, entity_id, self._clock.now()):
            await self._outbox.add([TagAttached(tag.id, kind.value, entity_id)])
            await self._audit.record(AuditAction.UPDATE, AUDIT_ENTITY[kind], [entity_id], ["tags"])
            await self._uow.commit()
            log.info("tag.attached", tag_id=str(tag.id), kind=kind.value, entity_id=str(entity_id))
        return tag
