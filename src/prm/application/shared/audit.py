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


class AuditTrail(Protocol):
    """Append-only record of changes and of reads of patient records.

    Implementations write in the unit of work's transaction (so an event exists exactly when the
    change does) and take the actor, tenant, request id and client address from the request
    context. ``changed_fields`` holds field *names*, never values.
    """

    @abstractmethod
    async def record(
        self, action: AuditAction, entity_type: str, entity_ids: Sequence[UUID] = (), changed_fields: Sequence[str] = ()
    ) -> None:
        """One event per entity id (one event with no id for a search that found nothing)."""


async def record_updates(audit: AuditTrail, entity_type: str, changes: Sequence[tuple[UUID, Sequence[str]]]) -> None:
    """One ``update`` event per entity with its own changed field names, in as few calls as there
    are distinct sets of names (batch imports change the same few fields on many records)."""
    groups: dict[tuple[str, ...], list[UUID]] = {}
    for entity_id, fields in changes:
        groups.setdefault(tuple(dict.fromkeys(fields)), []).append(entity_id)
    for fields, ids in groups.items():
        await audit.record(AuditAction.UPDATE, entity_type, ids, fields)
