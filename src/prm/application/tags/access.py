"""Who may tag what: attaching a tag to an entity is a change of that entity."""

from uuid import UUID

from prm.application.shared.context import RequestContext
from prm.application.tags.ports import TaggableEntities
from prm.domain.shared.errors import Forbidden
from prm.domain.tags.errors import TaggedEntityNotFound
from prm.domain.tags.model import TaggedKind

AUDIT_ENTITY: dict[TaggedKind, str] = {
    TaggedKind.PATIENTS: "patient",
    TaggedKind.APPOINTMENTS: "appointment",
    TaggedKind.TICKETS: "ticket",
    TaggedKind.JOURNEYS: "journey_instance",
}
"""The audit trail's entity type of each kind (as its own context records it)."""


def require(context: RequestContext, kind: TaggedKind, action: str) -> None:
    """Raise ``Forbidden`` (403) unless the caller holds ``<kind's resource>:<action>``
    (``patients:write`` to tag a patient, ``tickets:read`` to list tickets by tag)."""
    needed = f"{kind.resource}:{action}"
    if needed not in context.principal.permissions:
        raise Forbidden(f"permission {needed} required")


async def existing_entity(entities: TaggableEntities, kind: TaggedKind, entity_id: UUID) -> None:
    """Raise ``TaggedEntityNotFound`` (404) unless the tenant has the entity."""
    if not await entities.exists(kind, entity_id):
        raise TaggedEntityNotFound(f"no {AUDIT_ENTITY[kind].replace('_', ' ')} {entity_id} in this tenant")
