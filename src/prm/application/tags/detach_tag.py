"""Detach a tag from an entity (``DELETE /tags/{tag_id}/{kind}/{entity_id}``)."""

from uuid import UUID

import structlog

from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Outbox, UnitOfWork
from prm.application.tags.access import AUDIT_ENTITY, require
from prm.application.tags.get_tag import existing
from prm.application.tags.ports import TagLinks, TagRepository
from prm.domain.tags.events import TagDetached
from prm.domain.tags.ids import TagId
from prm.domain.tags.model import TaggedKind

log = structlog.get_logger(__name__)


class DetachTag:
    """Detach the tag from the entity; detaching what is not attached changes nothing
    (idempotent). Needs ``<kind>:write`` (``Forbidden``, 403); raises ``TagNotFound`` (404).
    Records ``TagDetached`` and an ``update`` audit event on the entity (field ``tags``) when it
    detached something."""

    def __init__(
        self,
        tags: TagRepository,
        links: TagLinks,
        outbox: Outbox,
        uow: UnitOfWork,
        context: RequestContext,
        audit: AuditTrail,
    ) -> None:
        self._tags = tags
        self._links = links
        self._outbox = outbox
        self._uow = uow
        self._context = context
        self._audit = audit

    async def __call__(self, tag_id: TagId, kind: TaggedKind, entity_id: UUID) -> None:
        require(self._context, kind, "write")
        tag = await existing(self._tags, tag_id)
        if await self._links.detach(tag.id, kind, entity_id):
            await self._outbox.add([TagDetached(tag.id, kind.value, entity_id)])
            await self._audit.record(AuditAction.UPDATE, AUDIT_ENTITY[kind], [entity_id], ["tags"])
            await self._uow.commit()
            log.info("tag.detached", tag_id=str(tag.id), kind=kind.value, entity_id=str(entity_id))
