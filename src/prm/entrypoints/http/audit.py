"""The audit trail under ``/api/v1/prm/audit`` (read only: the trail is append-only)."""

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get
from litestar.params import FromQuery, QueryParameter

from prm.application.audit.list_audit_events import ListAuditEvents, ListAuditEventsQuery
from prm.application.audit.ports import AuditCriteria, AuditEvent
from prm.application.shared.paging import PageRequest
from prm.entrypoints.http.paging import PageNumber, PageResponse, PageSize, page_response
from prm.entrypoints.http.problems import problem_responses


class AuditEventResponse(msgspec.Struct, frozen=True):
    """``entity_ids``: every record the event names (all the patients a list or search page
    showed); ``entity_id``: that record when the event names exactly one, else null."""

    id: UUID
    occurred_at: datetime
    actor_type: str
    actor_id: str | None
    action: str
    entity_type: str
    entity_id: str | None
    entity_ids: list[str]
    changed_fields: list[str]
    request_id: str | None
    client_ip: str | None


def audit_event_response(event: AuditEvent) -> AuditEventResponse:
    return AuditEventResponse(
        id=event.id,
        occurred_at=event.occurred_at,
        actor_type=event.actor_type,
        actor_id=event.actor_id,
        action=event.action,
        entity_type=event.entity_type,
        entity_id=event.entity_id,
        entity_ids=list(event.entity_ids),
        changed_fields=list(event.changed_fields),
        request_id=event.request_id,
        client_ip=event.client_ip,
    )


def _aware(moment: datetime | None) -> datetime | None:
    """A time without an offset is read as UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


class AuditController(Controller):
    path = "/audit"
    tags = ("audit",)

    @get("/events", opt={"permission": "audit:read"}, responses=problem_responses(422), summary="Audit events")
    @inject
    async def list_events(
        self,
        list_events: FromDishka[ListAuditEvents],
        actor: Annotated[
            str | None, QueryParameter(max_length=255, description="actor id (user or API key id)")
        ] = None,
        entity_type: FromQuery[Annotated[str | None, QueryParameter(max_length=64)]] = None,
        entity_id: FromQuery[
            Annotated[
                str | None,
                QueryParameter(max_length=255, description="events naming this record, alone or among others"),
            ]
        ] = None,
        action: FromQuery[Annotated[str | None, QueryParameter(max_length=64)]] = None,
        since: Annotated[datetime | None, QueryParameter(description="inclusive, ISO 8601 with offset")] = None,
        until: Annotated[datetime | None, QueryParameter(description="exclusive, ISO 8601 with offset")] = None,
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
    ) -> PageResponse[AuditEventResponse]:
        """The tenant's audit events, newest first: who created, changed, deleted or read what. A
        page of a list or search is one ``search`` event listing every patient shown in
        ``entity_ids``; ``entity_id=X`` finds it, as it finds the events about X alone."""
        criteria = AuditCriteria(
            actor_id=actor,
            entity_type=entity_type,
            entity_id=entity_id,
            action=action,
            since=_aware(since),
            until=_aware(until),
        )
        result = await list_events(ListAuditEventsQuery(criteria=criteria, page=PageRequest(page, page_size)))
        return page_response(result.map(audit_event_response))
