"""Delete a tag (``DELETE /tags/{id}``), detaching it from everything."""

import structlog

from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Outbox, UnitOfWork
from prm.application.tags.create_tag import ENTITY
from prm.application.tags.get_tag import existing
from prm.application.tags.ports import TagRepository
from prm.domain.shared.errors import StaleVersion
from prm.domain.tags.ids import TagId

log = structlog.get_logger(__name__)


class DeleteTag:
    """Delete the tag for good and detach it from every patient, appointment, ticket and journey
    in the same transaction. ``expected_version`` (``If-Match``) makes it conditional. Raises
    ``TagNotFound`` (404) and ``StaleVersion`` (409). Records ``TagDeleted`` and a ``delete`` audit event."""

    def __init__(self, tags: TagRepository, outbox: Outbox, uow: UnitOfWork, audit: AuditTrail) -> None:
        self._tags = tags
        self._outbox = outbox
        self._uow = uow
        self._audit = audit

    async def __call__(self, tag_id: TagId, *, expected_version: int | None = None) -> None:
        tag = await existing(self._tags, tag_id)
        if expected_version is not None and expected_version != tag.version:
            raise StaleVersion(f"tag {tag.id} is at version {tag.version}, not {expected_version}: reload it")
        tag.delete()
        detached = await self._tags.remove(tag)
        await self._outbox.add(tag.events)
        await self._audit.record(AuditAction.DELETE, ENTITY, [tag.id])
        await self._uow.commit()
        log.info("tag.deleted", tag_id=str(tag.id), detached=detached)
