"""The integrations API under ``/api/v1/prm/integrations`` (reference: "Integrations").

Senders (API keys with ``integration_events:write``) post inbound events; PX admins read them
(``integration_events:read``), reprocess failed ones, and keep the configurations of the source
systems (``integrations:read`` / ``integrations:write``).
"""

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from msgspec import UNSET

from prm.application.integrations.create_config import CreateIntegrationConfig, CreateIntegrationConfigCommand
from prm.application.integrations.delete_config import DeleteIntegrationConfig
from prm.application.integrations.get_config import GetIntegrationConfig
from prm.application.integrations.get_event import GetIntegrationEvent
from prm.application.integrations.list_configs import ListIntegrationConfigs
from prm.application.integrations.list_events import ListIntegrationEvents, ListIntegrationEventsQuery
from prm.application.integrations.ports import IntegrationEventCriteria
from prm.application.integrations.receive_event import ReceiveIntegrationEvent
from prm.application.integrations.receive_events import ReceiveIntegrationEvents
from prm.application.integrations.reprocess_event import ReprocessIntegrationEvent
from prm.application.integrations.update_config import UpdateIntegrationConfig, UpdateIntegrationConfigCommand
from prm.application.shared.paging import PageRequest
from prm.domain.integrations.config import IntegrationConfig
from prm.domain.integrations.errors import PayloadTooLarge
from prm.domain.integrations.ids import IntegrationConfigId, IntegrationEventId
from prm.domain.integrations.model import IntegrationEventStatus
from prm.entrypoints.http.etag import IfMatch, etag, version_from_if_match
from prm.entrypoints.http.integrations_schemas import (
    BulkReceiveRequest,
    BulkReceiveResponse,
    CreateIntegrationConfigRequest,
    IntegrationConfigResponse,
    IntegrationEventResponse,
    IntegrationEventSummaryResponse,
    ReceiveEventRequest,
    UpdateIntegrationConfigRequest,
    batch_response,
    config_changes,
    config_response,
    event_response,
    event_summary,
    read_bulk_item,
    to_command,
)
from prm.entrypoints.http.paging import PageNumber, PageResponse, PageSize, page_response
from prm.entrypoints.http.problems import FieldError, Problem, problem_response, problem_responses

Code = Annotated[str | None, QueryParameter(max_length=255)]


def payload_too_large(request: Request[Any, Any, Any], exc: PayloadTooLarge) -> Response[Problem]:
    """An event's payload over 64 KiB: 413, naming ``payload`` (a domain rule, not the body limit)."""
    errors = [FieldError(loc=["body", "payload"], msg=exc.detail, type=exc.code)]
    return problem_response(request, 413, exc.code, exc.detail, errors)


def _aware(moment: datetime | None) -> datetime | None:
    """A time without an offset is read as UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


_REPLAY = {200: ResponseSpec(data_container=IntegrationEventResponse, description="A replay: the stored event")}
_NOTHING_NEW = {
    200: ResponseSpec(data_container=BulkReceiveResponse, description="Nothing new: each event a duplicate or refused")
}


class IntegrationEventController(Controller):
    path = "/integrations/events"
    tags = ("integrations",)
    exception_handlers = {PayloadTooLarge: payload_too_large}  # noqa: RUF012 - Litestar's layer attribute

    @post(
        opt={"permission": "integration_events:write"},
        status_code=202,
        responses={**problem_responses(403, 409, 413, 422, 429), **_REPLAY},
        summary="Receive an event",
    )
    @inject
    async def receive_integration_event(
        self, data: JSONBody[ReceiveEventRequest], receive: FromDishka[ReceiveIntegrationEvent]
    ) -> Response[IntegrationEventResponse]:
        """Store an event from an outside system as ``pending`` (202) and process it in the
        background. A replay (same ``source_system`` and ``external_id``) answers the stored
        event with 200 and stores nothing. Each source system may send ``rate_limit_per_hour``
        events an hour (its configuration's, else 1,000): 429 with ``Retry-After`` beyond."""
        received = await receive(to_command(data))
        return Response(event_response(received.event), status_code=202 if received.created else 200)

    @post(
        "/bulk",
        opt={"permission": "integration_events:write"},
        status_code=202,
        responses={**problem_responses(403, 409, 422, 429), **_NOTHING_NEW},
        summary="Receive events in bulk",
    )
    @inject
    async def receive_integration_events(
        self, data: JSONBody[BulkReceiveRequest], receive: FromDishka[ReceiveIntegrationEvents]
    ) -> Response[BulkReceiveResponse]:
        """Up to 1,000 events, each checked on its own: the good ones are stored (202, or 200
        when none was new) even when others are refused; ``errors`` names each refused one by
        ``index`` and ``loc``. Replays count as ``duplicates``. The new events count against
        their systems' hourly limits (429 for the whole request beyond)."""
        batch = await receive([read_bulk_item(i, element) for i, element in enumerate(data.events)])
        return Response(batch_response(batch), status_code=202 if batch.created else 200)

    @get(
        opt={"permission": "integration_events:read"},
        responses=problem_responses(403, 422),
        summary="List inbound events",
    )
    @inject
    async def list_integration_events(
        self,
        list_events: FromDishka[ListIntegrationEvents],
        status: FromQuery[IntegrationEventStatus | None] = None,
        source_system: FromQuery[Annotated[str | None, QueryParameter(max_length=64)]] = None,
        event_code: FromQuery[Annotated[str | None, QueryParameter(max_length=64)]] = None,
        encounter_id: FromQuery[Code] = None,
        patient_identifier: FromQuery[Annotated[str | None, QueryParameter(max_length=512)]] = None,
        received_from: Annotated[datetime | None, QueryParameter(description="inclusive, RFC 3339")] = None,
        received_to: Annotated[datetime | None, QueryParameter(description="exclusive, RFC 3339")] = None,
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
    ) -> PageResponse[IntegrationEventSummaryResponse]:
        """The tenant's inbound events, newest received first, without their payloads."""
        criteria = IntegrationEventCriteria(
            status=status,
            source_system=source_system,
            event_code=event_code,
            encounter_id=encounter_id,
            patient_identifier=patient_identifier,
            received_from=_aware(received_from),
            received_to=_aware(received_to),
        )
        result = await list_events(ListIntegrationEventsQuery(criteria=criteria, page=PageRequest(page, page_size)))
        return page_response(result.map(event_summary))

    @get(
        "/{event_id:uuid}",
        opt={"permission": "integration_events:read"},
        responses=problem_responses(404),
        summary="Get an inbound event",
    )
    @inject
    async def get_integration_event(
        self, event_id: FromPath[UUID], get_event: FromDishka[GetIntegrationEvent]
    ) -> IntegrationEventResponse:
        return event_response(await get_event(IntegrationEventId(event_id)))

    @post(
        "/{event_id:uuid}/reprocess",
        opt={"permission": "integration_events:write"},
        status_code=200,
        responses=problem_responses(404, 409),
        summary="Reprocess an event",
    )
    @inject
    async def reprocess_integration_event(
        self, event_id: FromPath[UUID], reprocess: FromDishka[ReprocessIntegrationEvent]
    ) -> IntegrationEventResponse:
        """Process a ``failed`` or ``ignored`` event again (it becomes ``pending``); 409 for others."""
        return event_response(await reprocess(IntegrationEventId(event_id)))


def _with_etag(config: IntegrationConfig, status_code: int = 200) -> Response[IntegrationConfigResponse]:
    return Response(config_response(config), status_code=status_code, headers={"ETag": etag(config.version)})


class IntegrationConfigController(Controller):
    path = "/integrations/configs"
    tags = ("integrations",)

    @get(opt={"permission": "integrations:read"}, responses=problem_responses(403, 422), summary="List configurations")
    @inject
    async def list_integration_configs(
        self,
        list_configs: FromDishka[ListIntegrationConfigs],
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
    ) -> PageResponse[IntegrationConfigResponse]:
        """The tenant's source-system configurations, by source system (secrets by name only)."""
        return page_response((await list_configs(PageRequest(page, page_size))).map(config_response))

    @post(
        opt={"permission": "integrations:write"},
        responses=problem_responses(403, 409, 422),
        summary="Create a configuration",
    )
    @inject
    async def create_integration_config(
        self, data: JSONBody[CreateIntegrationConfigRequest], create: FromDishka[CreateIntegrationConfig]
    ) -> Response[IntegrationConfigResponse]:
        """One configuration per source system (409 for a second). ``secrets`` are write-only."""
        config = await create(
            CreateIntegrationConfigCommand(
                name=data.name,
                source_system=data.source_system,
                description=data.description,
                api_url=data.api_url,
                is_active=data.is_active,
                settings=data.settings,
                secrets=data.secrets,
                rate_limit_per_hour=data.rate_limit_per_hour,
            )
        )
        return _with_etag(config, status_code=201)

    @get(
        "/{config_id:uuid}",
        opt={"permission": "integrations:read"},
        responses=problem_responses(404),
        summary="Get a configuration",
    )
    @inject
    async def get_integration_config(
        self, config_id: FromPath[UUID], get_config: FromDishka[GetIntegrationConfig]
    ) -> Response[IntegrationConfigResponse]:
        return _with_etag(await get_config(IntegrationConfigId(config_id)))

    @patch(
        "/{config_id:uuid}",
        opt={"permission": "integrations:write"},
        responses=problem_responses(403, 404, 409, 422),
        summary="Update a configuration",
    )
    @inject
    async def update_integration_config(
        self,
        config_id: FromPath[UUID],
        data: JSONBody[UpdateIntegrationConfigRequest],
        update: FromDishka[UpdateIntegrationConfig],
        if_match: IfMatch = None,
    ) -> Response[IntegrationConfigResponse]:
        """Change the fields present. Send ``If-Match: W/"<version>"`` (or ``version``) to refuse
        the update with 409 if someone changed the configuration since you read it."""
        expected = version_from_if_match(if_match)
        if expected is None and data.version is not UNSET:
            expected = data.version
        config = await update(
            UpdateIntegrationConfigCommand(
                config_id=IntegrationConfigId(config_id),
                changes=config_changes(data),
                secrets=data.secrets if data.secrets is not UNSET else {},
                expected_version=expected,
            )
        )
        return _with_etag(config)

    @delete(
        "/{config_id:uuid}",
        opt={"permission": "integrations:write"},
        responses=problem_responses(404, 409),
        summary="Delete a configuration",
    )
    @inject
    async def delete_integration_config(
        self,
        config_id: FromPath[UUID],
        delete_config: FromDishka[DeleteIntegrationConfig],
        if_match: IfMatch = None,
    ) -> None:
        """Delete for good (its events stay; its system's rate limit falls back to 1,000 an hour)."""
        await delete_config(IntegrationConfigId(config_id), version_from_if_match(if_match))
