"""HTTP routes of the communications context's messages part, under ``/api/v1/prm/communications``
(the reference API's "Communications API").

Messages are sent by the worker (``communications.dispatch``), effectively once; their status
follows the provider's callbacks (:mod:`prm.application.communications.messages_dispatch`,
:mod:`prm.application.communications.messages_callbacks`). Reading messages is audited.
"""

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.connection import ASGIConnection
from litestar.exceptions import ClientException
from litestar.handlers import BaseRouteHandler
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.types import ControllerRouterHandler

from prm.adapters.communications.providers.callbacks import (
    TWILIO_SIGNATURE_HEADER,
    MalformedCallback,
    parse_twilio_status,
    query_of,
    verify_twilio_signature,
)
from prm.application.communications.messages_callbacks import ApplyStatusCallback
from prm.application.communications.messages_ports import MessageFilter
from prm.application.communications.messages_queue import CreateCommunication, CreateCommunicationCommand
from prm.application.communications.messages_read import (
    GetCommunication,
    GetCommunicationStatistics,
    ListCommunications,
    ListCommunicationsQuery,
    SearchCommunications,
    SearchCommunicationsQuery,
)
from prm.application.communications.messages_update import (
    DeleteCommunication,
    MarkCommunicationRead,
    UpdateCommunication,
    UpdateCommunicationCommand,
)
from prm.application.communications.providers_ports import ProviderCredentialsLookup
from prm.application.shared.context import Principal, PrincipalKind, RequestContext
from prm.application.shared.paging import PageRequest
from prm.application.shared.ports import Clock
from prm.domain.communications.channels import Channel, Direction, MessageStatus
from prm.domain.communications.messages import Message, MessageId
from prm.domain.shared.errors import Forbidden
from prm.domain.shared.ids import PatientId, TenantId
from prm.entrypoints.http.communications_messages_schemas import (
    CommunicationResponse,
    CommunicationStatsResponse,
    CreateCommunicationRequest,
    UpdateCommunicationRequest,
    communication_response,
    stats_response,
)
from prm.entrypoints.http.etag import IfMatch, etag, version_from_if_match
from prm.entrypoints.http.paging import PageNumber, PageResponse, PageSize, page_response
from prm.entrypoints.http.practitioners import TenantQuery
from prm.entrypoints.http.problems import problem_responses
from prm.entrypoints.http.security import CALLER_KEY, Caller
from prm.settings import Settings

READ = {"permission": "communications:read"}
WRITE = {"permission": "communications:write"}

ChannelQuery = Annotated[Channel | None, QueryParameter(description="sms, whatsapp or email")]
StatusQuery = Annotated[MessageStatus | None, QueryParameter(description="A message status")]
DirectionQuery = Annotated[Direction | None, QueryParameter(description="outbound or inbound")]
DateQuery = Annotated[datetime | None, QueryParameter(description="RFC 3339 (UTC when no offset); bounds created_at")]
SearchText = Annotated[
    str, QueryParameter(name="query", max_length=200, description="Words to find (at least 2 characters)")
]


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _with_etag(message: Message, status_code: int = 200) -> Response[CommunicationResponse]:
    return Response(communication_response(message), status_code=status_code, headers={"ETag": etag(message.version)})


class CommunicationController(Controller):
    path = "/communications"
    tags = ("communications",)

    @get(opt=READ, responses=problem_responses(403, 422), summary="List communications")
    @inject
    async def list_communications(
        self,
        list_communications: FromDishka[ListCommunications],
        context: FromDishka[RequestContext],
        patient_id: FromQuery[UUID | None] = None,
        journey_instance_id: FromQuery[UUID | None] = None,
        appointment_id: FromQuery[UUID | None] = None,
        campaign_id: FromQuery[UUID | None] = None,
        channel: FromQuery[ChannelQuery] = None,
        status: FromQuery[StatusQuery] = None,
        direction: FromQuery[DirectionQuery] = None,
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
        tenant_id: FromQuery[TenantQuery] = None,
    ) -> PageResponse[CommunicationResponse]:
        """The tenant's messages, newest first, filtered by any of the parameters."""
        context.ensure_tenant(tenant_id)
        where = MessageFilter(
            patient_id=PatientId(patient_id) if patient_id else None,
            journey_instance_id=journey_instance_id,
            appointment_id=appointment_id,
            campaign_id=campaign_id,
            channel=channel,
            status=status,
            direction=direction,
        )
        result = await list_communications(ListCommunicationsQuery(where=where, page=PageRequest(page, page_size)))
        return page_response(result.map(communication_response))

    @post(opt=WRITE, responses=problem_responses(403, 404, 422), summary="Create a communication")
    @inject
    async def create_communication(
        self, data: JSONBody[CreateCommunicationRequest], create: FromDishka[CreateCommunication]
    ) -> Response[CommunicationResponse]:
        """Queue a message for the worker to send: ``queued`` (now) or ``scheduled`` (a future
        ``scheduled_for``); ``blocked`` with the reason for an inactive patient. 422 naming
        ``recipient`` (not E.164 / not an email, or none known), ``message`` (missing, both
        given, over the channel's limit), ``template_name`` (unknown) or ``template_vars`` (the
        template does not render with them); 404 for an unknown patient."""
        message = await create(CreateCommunicationCommand(request=data.to_request(), tenant_id=data.tenant_id))
        return _with_etag(message, 201)

    @get("/stats", opt=READ, responses=problem_responses(403, 422), summary="Communication statistics")
    @inject
    async def communication_stats(
        self,
        stats: FromDishka[GetCommunicationStatistics],
        context: FromDishka[RequestContext],
        date_from: FromQuery[DateQuery] = None,
        date_to: FromQuery[DateQuery] = None,
        tenant_id: FromQuery[TenantQuery] = None,
    ) -> CommunicationStatsResponse:
        """Counts by channel and status of the messages created in the period (any when open),
        with ``delivery_rate`` and ``reply_rate`` of the outbound messages sent."""
        context.ensure_tenant(tenant_id)
        return stats_response(await stats(_utc(date_from), _utc(date_to)))

    @get("/search", opt=READ, responses=problem_responses(403, 422), summary="Search communications")
    @inject
    async def search_communications(
        self,
        search: FromDishka[SearchCommunications],
        text: FromQuery[SearchText],
        patient_id: FromQuery[UUID | None] = None,
        channel: FromQuery[ChannelQuery] = None,
        date_from: FromQuery[DateQuery] = None,
        date_to: FromQuery[DateQuery] = None,
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
    ) -> PageResponse[CommunicationResponse]:
        """Full-text search over subjects and bodies: every word of ``query`` (whole words, any
        case), newest first. ``total`` is exact up to 1,000 matches (or the end of the page asked
        for); past that it is a lower bound and ``total_exact`` is false. ``query`` shorter than 2
        characters is a 422 naming it."""
        where = MessageFilter(
            patient_id=PatientId(patient_id) if patient_id else None,
            channel=channel,
            date_from=_utc(date_from),
            date_to=_utc(date_to),
        )
        result = await search(SearchCommunicationsQuery(text=text, where=where, page=PageRequest(page, page_size)))
        return page_response(result.map(communication_response))

    @get("/{communication_id:uuid}", opt=READ, responses=problem_responses(403, 404), summary="Get a communication")
    @inject
    async def get_communication(
        self, communication_id: FromPath[UUID], get_communication: FromDishka[GetCommunication]
    ) -> Response[CommunicationResponse]:
        return _with_etag(await get_communication(MessageId(communication_id)))

    @patch(
        "/{communication_id:uuid}",
        opt=WRITE,
        responses=problem_responses(403, 404, 409, 422),
        summary="Update a communication's status",
    )
    @inject
    async def update_communication(
        self,
        communication_id: FromPath[UUID],
        data: JSONBody[UpdateCommunicationRequest],
        update: FromDishka[UpdateCommunication],
        if_match: IfMatch = None,
    ) -> Response[CommunicationResponse]:
        """Move the status along the transitions that make sense (cancel what has not gone;
        ``delivered`` or ``read`` after ``sent``; ``failed`` with ``error_message`` before
        ``delivered``), setting its timestamp; else 409 naming ``status``."""
        message = await update(
            UpdateCommunicationCommand(
                message_id=MessageId(communication_id),
                status=data.status,
                error_message=data.error_message,
                expected_version=version_from_if_match(if_match),
            )
        )
        return _with_etag(message)

    @delete(
        "/{communication_id:uuid}",
        opt=WRITE,
        status_code=204,
        responses=problem_responses(403, 404),
        summary="Delete a communication",
    )
    @inject
    async def delete_communication(
        self, communication_id: FromPath[UUID], remove: FromDishka[DeleteCommunication]
    ) -> None:
        """Remove the message for good (audited)."""
        await remove(MessageId(communication_id))

    @patch(
        "/{communication_id:uuid}/read",
        opt=WRITE,
        responses=problem_responses(403, 404, 409),
        summary="Mark a communication as read",
    )
    @inject
    async def mark_communication_read(
        self, communication_id: FromPath[UUID], mark_read: FromDishka[MarkCommunicationRead]
    ) -> Response[CommunicationResponse]:
        return _with_etag(await mark_read(MessageId(communication_id)))


class StatusCallbackSignatureInvalid(Forbidden):
    """The status callback is not signed with the tenant's Twilio auth token (or the tenant has
    no Twilio account configured)."""

    code = "communications.callback_signature_invalid"


async def _as_path_tenant(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """The provider names the tenant in the path: the unit of work is that tenant's, done by the
    provider (a system principal), once the handler has checked the signature."""
    settings = await connection.app.state.dishka_container.get(Settings)
    principal = Principal(PrincipalKind.SYSTEM, id="webhook:twilio")
    caller = Caller(principal, TenantId(connection.path_params["tenant_id"]), settings.default_phone_region.upper())
    connection.scope.setdefault("state", {})[CALLER_KEY] = caller


class StatusCallbackController(Controller):
    path = "/communications/webhooks"
    tags = ("communications",)

    @post(
        "/twilio/{tenant_id:uuid}/status",
        opt={"public": True},
        guards=[_as_path_tenant],
        status_code=200,
        responses=problem_responses(400, 403, 404),
        summary="Twilio status callback",
    )
    @inject
    async def twilio_status_callback(
        self,
        request: Request[Any, Any, Any],
        tenant_id: FromPath[UUID],
        credentials: FromDishka[ProviderCredentialsLookup],
        apply: FromDishka[ApplyStatusCallback],
        clock: FromDishka[Clock],
    ) -> Response[None]:
        """Twilio's report on a message it accepted (form ``MessageSid``, ``MessageStatus``,
        ``ErrorCode``; https://www.twilio.com/docs/messaging/guides/track-outbound-message-status),
        signed with ``X-Twilio-Signature`` over ``{callback_base_url}{path}?{query}``: 403 when it
        is not. Moves the message forward only (any order, any number of times); a callback for
        no message of ours is accepted and ignored (200)."""
        pairs = parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
        found = await credentials.credentials(tenant_id, Channel.SMS)
        query = request.url.query
        url = f"{(found.callback_base_url or '').rstrip('/') if found else ''}{request.url.path}"
        url += f"?{query}" if query else ""
        if (
            found is None
            or not found.callback_base_url
            or not found.auth_token
            or not verify_twilio_signature(url, pairs, request.headers.get(TWILIO_SIGNATURE_HEADER), found.auth_token)
        ):
            raise StatusCallbackSignatureInvalid("the callback is not signed with the tenant's Twilio auth token")
        try:
            callback = parse_twilio_status(dict(pairs), query=query_of(url), received_at=clock.now())
        except MalformedCallback as exc:
            extra = (
                [{"loc": ["body", exc.field], "msg": exc.detail, "type": "malformed_callback"}] if exc.field else None
            )
            raise ClientException(detail=exc.detail, extra=extra) from exc
        await apply(callback)
        return Response(None, status_code=200)


ROUTES: list[ControllerRouterHandler] = [CommunicationController, StatusCallbackController]
