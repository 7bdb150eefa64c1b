"""Tenant tags: a named colour label attached to patients, appointments, tickets and journeys.

After MediKeep's tags (``/api/v1/tags``: one registry of tags, attached across entity types),
kept per tenant rather than per user. Rules kept here:

- the name is 1 to :data:`MAX_NAME` characters after trimming, inner runs of white space count
  as one space; it is unique per tenant whatever its case or accents (:func:`name_key`): the
  repository enforces it;
- the colour is ``#RRGGBB`` (hex, stored upper case), default :data:`DEFAULT_COLOUR`;
- the description is at most :data:`MAX_DESCRIPTION` characters (blank: none).

A tag is attached to an entity of a :class:`TaggedKind` by its id, once (attaching again changes
nothing).
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from prm.domain.shared.ids import TenantId, new_id
from prm.domain.shared.text import fold
from prm.domain.tags.errors import InvalidTag
from prm.domain.tags.events import TagCreated, TagDeleted, TagUpdated
from prm.domain.tags.ids import TagId

MAX_NAME = 64
MAX_DESCRIPTION = 500
DEFAULT_COLOUR = "#6B7280"
COLOUR_PATTERN = re.compile(r"^#[0-9A-Fa-f]{6}$")


class TaggedKind(StrEnum):
    """What a tag can be attached to, named as the API's collections are: ``patients``,
    ``appointments``, ``tickets`` and ``journeys`` (journey instances)."""

    PATIENTS = "patients"
    APPOINTMENTS = "appointments"
    TICKETS = "tickets"
    JOURNEYS = "journeys"

    @property
    def resource(self) -> str:
        """The permission resource of the entity (``patients`` ...): attaching needs its ``write``."""
        return self.value


MAX_NAME_KEY = 255
"""Longest folded name kept (folding can lengthen a text: ``ß`` is ``ss``); the storage limit."""


def name_key(name: str) -> str:
    """The name as uniqueness compares it: folded (case and accents), white space collapsed, at
    most :data:`MAX_NAME_KEY` characters."""
    return " ".join(fold(name).split())[:MAX_NAME_KEY]


def clean_name(raw: str) -> str:
    """The name as kept: trimmed, inner white space collapsed; raises :class:`InvalidTag` (``name``)
    when blank or longer than :data:`MAX_NAME`."""
    name = " ".join(raw.split())
    if not name:
        raise InvalidTag("name must not be blank", field="name")
    if len(name) > MAX_NAME:
        raise InvalidTag(f"name is longer than {MAX_NAME} characters", field="name")
    return name


def clean_colour(raw: str) -> str:
    """``#RRGGBB`` upper case; raises :class:`InvalidTag` (``colour``) for anything else."""
    colour = raw.strip()
    if not COLOUR_PATTERN.match(colour):
        raise InvalidTag("colour must be #RRGGBB (hex), e.g. #1E90FF", field="colour")
    return colour.upper()


def clean_description(raw: str | None) -> str | None:
    """Trimmed; blank is ``None``; raises :class:`InvalidTag` (``description``) past :data:`MAX_DESCRIPTION`."""
    if raw is None or not raw.strip():
        return None
    description = raw.strip()
    if len(description) > MAX_DESCRIPTION:
        raise InvalidTag(f"description is longer than {MAX_DESCRIPTION} characters", field="description")
    return description


@dataclass(frozen=True, slots=True, kw_only=True)
class TagDetails:
    """A tag's editable fields, already clean (see :func:`TagDetails.of`)."""

    name: str
    colour: str = DEFAULT_COLOUR
    description: str | None = None

    @classmethod
    def of(cls, *, name: str, colour: str | None = None, description: str | None = None) -> "TagDetails":
        """Details from raw values; raises :class:`InvalidTag` naming the field."""
        return cls(
            name=clean_name(name),
            colour=clean_colour(colour) if colour is not None else DEFAULT_COLOUR,
            description=clean_description(description),
        )

    @property
    def name_key(self) -> str:
        return name_key(self.name)


_CLEANERS: dict[str, Callable[[str], str | None]] = {
    "name": clean_name,
    "colour": clean_colour,
    "description": clean_description,
}


@dataclass(kw_only=True, eq=False)
class Tag:
    """A tag of the tenant."""

    id: TagId
    tenant_id: TenantId
    details: TagDetails
    version: int
    created_at: datetime
    updated_at: datetime
    events: list[object] = field(default_factory=list, repr=False)

    @classmethod
    def create(cls, *, tenant_id: TenantId, details: TagDetails, now: datetime) -> "Tag":
        """A new tag at version 1; records :class:`TagCreated`."""
        tag = cls(id=TagId(new_id()), tenant_id=tenant_id, details=details, version=1, created_at=now, updated_at=now)
        tag.events.append(TagCreated(tag.id))
        return tag

    def delete(self) -> None:
        """Mark the tag for permanent removal; records :class:`TagDeleted`."""
        self.events.append(TagDeleted(self.id))

    def revise(self, now: datetime, changes: Mapping[str, object]) -> tuple[str, ...]:
        """Apply raw ``changes`` (``name``, ``colour``, ``description``; ``None`` clears the
        description), returning the names that changed; a change bumps the version and records
        :class:`TagUpdated` (names only). Raises
        :class:`InvalidTag` naming the field, leaving the tag as it was."""
        cleaned: dict[str, object] = {}
        for name, value in changes.items():
            if name == "description" and (value is None or isinstance(value, str)):
                cleaned[name] = clean_description(value)
            elif name not in _CLEANERS:
                raise InvalidTag(f"cannot change {name}", field=name)
            elif not isinstance(value, str):
                raise InvalidTag(f"{name} must be text", field=name)
            else:
                cleaned[name] = _CLEANERS[name](value)
        candidate = replace(self.details, **cleaned)  # type: ignore[arg-type]
        changed = tuple(name for name in cleaned if getattr(candidate, name) != getattr(self.details, name))
        if changed:
            self.details = candidate
            self.updated_at = now
            self.version += 1
            self.events.append(TagUpdated(self.id, changed))
        return changed
