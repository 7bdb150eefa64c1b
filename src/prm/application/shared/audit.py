"""The audit trail port: who did what to which record, written with the change itself."""

from abc import abstractmethod
from collections.abc import Sequence
from enum import StrEnum
from typing import Protocol
from uuid import UUID


class AuditAction(StrEnum):
    CREATE = "create"
    READ = "read"
    UPDATE = "update"
    DELETE = "delete"
    SEARCH = "search"
    EXPORT = "export"


READS = frozenset({AuditAction.READ, AuditAction.SEARCH, AuditAction.EXPORT})
"""Actions that only look: one event names every entity looked at (see ``AuditTrail.record``)."""


class AuditTrail(Protocol):
    """Append-only record of changes and of reads of patient records.

    Implementations write in the unit of work's transaction (so an event exists exactly when the
    change does) and take the actor, tenant, request id and client address from the request
    context. ``changed_fields`` holds field *names*, never values.

    A change (``create``, ``update``, ``delete``) is one event per entity, so that each carries
    its own changed fields. A read (:data:`READS`) is one event naming every entity read: a page
    of a list or a search is one event however many patients it shows, and still answers "who
    read patient X" (the audit log finds an event by any entity it names).
    """

    @abstractmethod
    async def record(
        self, action: AuditAction, entity_type: str, entity_ids: Sequence[UUID] = (), changed_fields: Sequence[str] = ()
    ) -> None:
        """A read: one event naming ``entity_ids``; a change: one event per entity id. Either way,
        one event with no entity when ``entity_ids`` is empty (a search that found nothing)."""


async def record_updates(audit: AuditTrail, entity_type: str, changes: Sequence[tuple[UUID, Sequence[str]]]) -> None:
    """One ``update`` event per entity with its own changed field names, in as few calls as there
    are distinct sets of names (batch imports change the same few fields on many records)."""
    groups: dict[tuple[str, ...], list[UUID]] = {}
    for entity_id, fields in changes:
        groups.setdefault(tuple(dict.fromkeys(fields)), []).append(entity_id)
    for fields, ids in groups.items():
        await audit.record(AuditAction.UPDATE, entity_type, ids, fields)
