"""Change a tag (``PATCH /tags/{id}``): name, colour, description."""

from collections.abc import Mapping

import structlog

from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.application.tags.create_tag import ENTITY
from prm.application.tags.get_tag import existing
from prm.application.tags.ports import TagRepository
from prm.domain.shared.errors import StaleVersion
from prm.domain.tags.errors import DuplicateTagName
from prm.domain.tags.ids import TagId
from prm.domain.tags.model import Tag, name_key

log = structlog.get_logger(__name__)


class UpdateTag:
    """Partial update: ``changes`` maps ``name``, ``colour``, ``description`` to raw values
    (``None`` clears the description). ``expected_version`` (``If-Match`` or the body) makes it
    conditional. Raises ``TagNotFound`` (404), ``StaleVersion`` (409), ``DuplicateTagName`` (409),
    ``InvalidTag`` (422) naming the field. Records ``TagUpdated`` and an ``update`` audit event
    naming the fields that changed; nothing changed leaves the version as it is."""

    def __init__(self, tags: TagRepository, outbox: Outbox, uow: UnitOfWork, clock: Clock, audit: AuditTrail) -> None:
        self._tags = tags
        self._outbox = outbox
        self._uow = uow
        self._clock = clock
        self._audit = audit

    async def __call__(
        self, tag_id: TagId, changes: Mapping[str, object], *, expected_version: int | None = None
    ) -> Tag:
        tag = await existing(self._tags, tag_id)
        if expected_version is not None and expected_version != tag.version:
            raise StaleVersion(
                f"tag {tag.id} is at version {tag.version}, not {expected_version}: "
                "reload it and apply the change again"
            )
        version = tag.version
        changed = tag.revise(self._clock.now(), changes)
        if not changed:
            return tag
        if "name" in changed:
            holder = await self._tags.get_by_name_key(name_key(tag.details.name))
            if holder is not None and holder.id != tag.id:
                raise DuplicateTagName(f"a tag named {tag.details.name!r} already exists")
        await self._tags.save(tag, expected_version=version)
        await self._outbox.add(tag.events)
        await self._audit.record(AuditAction.UPDATE, ENTITY, [tag.id], list(changed))
        await self._uow.commit()
        log.info("tag.updated", tag_id=str(tag.id), version=tag.version)
        return tag
