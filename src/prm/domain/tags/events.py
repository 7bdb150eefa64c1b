"""Domain events of the tags context; written to the outbox with the change that caused them.

The first field is the aggregate's id (the tag; the outbox keys on it). Events carry ids, kinds
and field names, never the values.
"""

from dataclasses import dataclass
from typing import ClassVar
from uuid import UUID

from prm.domain.shared.events import catalogue
from prm.domain.tags.ids import TagId


@dataclass(frozen=True, slots=True)
class TagCreated:
    TYPE: ClassVar[str] = "tag.created"
    VERSION: ClassVar[int] = 1

    tag_id: TagId


@dataclass(frozen=True, slots=True)
class TagUpdated:
    TYPE: ClassVar[str] = "tag.updated"
    VERSION: ClassVar[int] = 1

    tag_id: TagId
    changed_fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TagDeleted:
    TYPE: ClassVar[str] = "tag.deleted"
    VERSION: ClassVar[int] = 1

    tag_id: TagId


@dataclass(frozen=True, slots=True)
class TagAttached:
    """``kind``: ``patients``, ``appointments``, ``tickets`` or ``journeys``."""

    TYPE: ClassVar[str] = "tag.attached"
    VERSION: ClassVar[int] = 1

    tag_id: TagId
    kind: str
    entity_id: UUID


@dataclass(frozen=True, slots=True)
class TagDetached:
    TYPE: ClassVar[str] = "tag.detached"
    VERSION: ClassVar[int] = 1

    tag_id: TagId
    kind: str
    entity_id: UUID


CATALOGUE = catalogue(TagCreated, TagUpdated, TagDeleted, TagAttached, TagDetached)
"""What this context publishes, by ``TYPE``."""
