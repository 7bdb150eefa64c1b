"""Create a tenant tag (``POST /tags``)."""

import structlog

from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.application.tags.ports import TagRepository
from prm.domain.tags.errors import DuplicateTagName
from prm.domain.tags.model import Tag, TagDetails

log = structlog.get_logger(__name__)

ENTITY = "tag"
"""The audit trail's name for a tag."""


class CreateTag:
    """``await create_tag(name=..., colour=..., description=...)``: a new tag of the tenant.

    ``colour`` is ``#RRGGBB`` (default grey ``#6B7280``). Raises ``DuplicateTagName`` (409) for a
    name the tenant has already in any case or accent, ``InvalidTag`` (422) naming the field.
    Records ``TagCreated`` and a ``create`` audit event.
    """

    def __init__(
        self,
        tags: TagRepository,
        outbox: Outbox,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
        audit: AuditTrail,
    ) -> None:
        self._tags = tags
        self._outbox = outbox
        self._uow = uow
        self._clock = clock
        self._context = context
        self._audit = audit

    async def __call__(self, *, name: str, colour: str | None = None, description: str | None = None) -> Tag:
        details = TagDetails.of(name=name, colour=colour, description=description)
        if await self._tags.get_by_name_key(details.name_key) is not None:
            raise DuplicateTagName(f"a tag named {details.name!r} already exists")
        tag = Tag.create(tenant_id=self._context.tenant_id, details=details, now=self._clock.now())
        await self._tags.add(tag)
        await self._outbox.add(tag.events)
        await self._audit.record(AuditAction.CREATE, ENTITY, [tag.id])
        await self._uow.commit()
        log.info("tag.created", tag_id=str(tag.id))
        return tag
