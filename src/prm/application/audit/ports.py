"""The read side of the audit trail (the write side is ``application.shared.audit.AuditTrail``)."""

from abc import abstractmethod
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from prm.application.shared.paging import Page, PageRequest
from prm.domain.shared.ids import TenantId


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEvent:
    """Who (``actor_type`` user/api_key/system, ``actor_id``) did what (``action``) to which records
    (``entity_type``, ``entity_ids``) when (UTC), from where (``request_id``, ``client_ip``);
    ``changed_fields`` are names, never values.

    ``entity_ids`` lists every record the event names: one for a change or the read of one
    record, all the records shown for a page of a list or search, none for a search that found
    nothing. ``entity_id`` is the record when the event names exactly one, else ``None``.
    """

    id: UUID
    tenant_id: TenantId
    occurred_at: datetime
    actor_type: str
    actor_id: str | None
    action: str
    entity_type: str
    entity_id: str | None
    entity_ids: Sequence[str]
    changed_fields: Sequence[str]
    request_id: str | None
    client_ip: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditCriteria:
    """Filters that must all hold; ``since`` is inclusive, ``until`` exclusive. ``entity_id``
    finds every event that names the record, alone or among others (a page that showed it)."""

    actor_id: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class AuditLog(Protocol):
    """The caller's tenant's audit events, newest first for pages, oldest first for exports."""

    @abstractmethod
    async def find(self, criteria: AuditCriteria, page: PageRequest) -> Page[AuditEvent]: ...

    @abstractmethod
    def stream(self, criteria: AuditCriteria) -> AsyncIterator[AuditEvent]:
        """Every matching event, oldest first, read in batches."""
