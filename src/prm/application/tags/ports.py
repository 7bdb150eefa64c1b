"""Ports of the tags context (issue 13). Every implementation is tenant-scoped: it only ever
sees the rows of the tenant it was built for."""

from abc import abstractmethod
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from prm.application.shared.paging import Page, PageRequest
from prm.domain.tags.ids import TagId
from prm.domain.tags.model import Tag, TaggedKind

MAX_TAGS_PER_ENTITY = 100
"""Tags one entity carries at most (an entity's tags are read whole)."""


class TagRepository(Protocol):
    """The tenant's tags as aggregates."""

    @abstractmethod
    async def add(self, tag: Tag) -> None:
        """Insert; raises ``DuplicateTagName`` when the tenant has the name already (any case or accent)."""

    @abstractmethod
    async def get(self, tag_id: TagId) -> Tag | None: ...

    @abstractmethod
    async def get_by_name_key(self, name_key: str) -> Tag | None: ...

    @abstractmethod
    async def save(self, tag: Tag, *, expected_version: int) -> None:
        """Update if still at ``expected_version``; raises ``StaleVersion`` otherwise,
        ``DuplicateTagName`` when the new name is taken."""

    @abstractmethod
    async def remove(self, tag: Tag) -> int:
        """Delete the tag and detach it from everything, if still at ``tag.version`` (raises
        ``StaleVersion`` otherwise); returns how many entities it was attached to."""


class TagFinder(Protocol):
    """Read side: lists over the tenant's tags."""

    @abstractmethod
    async def find(self, search: str | None, page: PageRequest) -> Page[Tag]:
        """Tags ordered by folded name; ``search`` (folded) found anywhere in the folded name."""


class TagLinks(Protocol):
    """Which entity carries which tag."""

    @abstractmethod
    async def attach(self, tag_id: TagId, kind: TaggedKind, entity_id: UUID, now: datetime) -> bool:
        """Attach once; ``True`` when it was not attached yet."""

    @abstractmethod
    async def detach(self, tag_id: TagId, kind: TaggedKind, entity_id: UUID) -> bool:
        """``True`` when it was attached."""

    @abstractmethod
    async def count_of(self, kind: TaggedKind, entity_id: UUID) -> int:
        """How many tags the entity carries."""

    @abstractmethod
    async def tags_of(self, kind: TaggedKind, entity_ids: Collection[UUID]) -> Mapping[UUID, Sequence[Tag]]:
        """The tags of each entity (ordered by folded name), in one query; entities without tags are left out."""

    @abstractmethod
    async def entities(self, tag_id: TagId, kind: TaggedKind, page: PageRequest) -> Page[UUID]:
        """Ids of the entities of ``kind`` carrying the tag, most recently tagged first."""


class TaggableEntities(Protocol):
    """Whether the tenant has an entity of a kind (through each context's own ports)."""

    @abstractmethod
    async def exists(self, kind: TaggedKind, entity_id: UUID) -> bool: ...
