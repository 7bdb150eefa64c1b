"""Wire schemas of the tags API (snake_case JSON, msgspec), after MediKeep's tags, per tenant.

A tag has a ``name`` (unique per tenant in any case or accent), a ``colour`` (``#RRGGBB``) and a
``description``; it is attached to ``patients``, ``appointments``, ``tickets`` and ``journeys``
(journey instances) by id.
"""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from prm.domain.tags.model import MAX_DESCRIPTION, MAX_NAME, Tag, TaggedKind

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_NAME, examples=["Diabetic"])]
Colour = Annotated[
    str,
    msgspec.Meta(min_length=7, max_length=7, pattern=r"^#[0-9A-Fa-f]{6}$", description="#RRGGBB", examples=["#1E90FF"]),
]
Description = Annotated[str, msgspec.Meta(max_length=MAX_DESCRIPTION)]


class Struct(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Request bodies: unknown fields are refused."""


class CreateTagRequest(Struct, frozen=True):
    name: Name
    colour: Colour | None = None
    description: Description | None = None


class UpdateTagRequest(Struct, frozen=True):
    """Only the fields present change; ``description: null`` clears it. ``version`` (or
    ``If-Match``) makes the change conditional."""

    name: Name | UnsetType = UNSET
    colour: Colour | UnsetType = UNSET
    description: Description | None | UnsetType = UNSET
    version: Annotated[int, msgspec.Meta(ge=1)] | UnsetType = UNSET


class TagResponse(msgspec.Struct, frozen=True):
    """A tag as stored; ``version`` is also its ``ETag``."""

    id: UUID
    name: str
    colour: str
    description: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class EntityTagsResponse(msgspec.Struct, frozen=True):
    """The tags one entity carries, by name."""

    kind: TaggedKind
    entity_id: UUID
    items: list[TagResponse]


class TaggingResponse(msgspec.Struct, frozen=True):
    """The tag is attached to the entity."""

    tag: TagResponse
    kind: TaggedKind
    entity_id: UUID


def tag_response(tag: Tag) -> TagResponse:
    d = tag.details
    return TagResponse(
        id=tag.id,
        name=d.name,
        colour=d.colour,
        description=d.description,
        version=tag.version,
        created_at=tag.created_at,
        updated_at=tag.updated_at,
    )
