"""HTTP routes of the communications context's inbox part, under ``/api/v1/prm/communications``.

- ``/threads...``: the two-way inbox for staff (``communications:read|write``);
- ``/webhooks/twilio/{tenant_id}/inbound`` and ``/webhooks/whatsapp/{tenant_id}``: public, for
  the providers, each request verified with the tenant's secrets before anything is read
  (Twilio: ``X-Twilio-Signature`` over the URL we are configured at and the form,
  https://www.twilio.com/docs/usage/security#validating-requests; Meta: ``X-Hub-Signature-256``
  over the raw body, and the ``hub.challenge`` GET,
  https://developers.facebook.com/docs/graph-api/webhooks/getting-started). A request that does
  not verify is 403; a verified one is 200 even when nothing matches (a provider retries
  anything else), and a malformed one 400.
"""

import json
from typing import Any
from urllib.parse import parse_qsl
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, Response, get, patch, post
from litestar.connection import ASGIConnection
from litestar.exceptions import ClientException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.types import ControllerRouterHandler
from msgspec import UNSET

from prm.adapters.communications.providers.callbacks import (
    META_SIGNATURE_HEADER,
    TWILIO_SIGNATURE_HEADER,
    MalformedCallback,
    parse_twilio_inbound,
    parse_whatsapp_webhook,
    verify_meta_signature,
    verify_twilio_signature,
    verify_whatsapp_challenge,
)
from prm.application.communications.inbox_ports import InboundCredentials, ThreadFilter
from prm.application.communications.inbox_receive import ReceiveInboundMessage
from prm.application.communications.inbox_thread_get import GetThread
from prm.application.communications.inbox_thread_link import LinkThread
from prm.application.communications.inbox_thread_read import MarkThreadRead
from prm.application.communications.inbox_thread_reply import ReplyToThread, ReplyToThreadCommand
from prm.application.communications.inbox_thread_update import KEEP, UpdateThread, UpdateThreadCommand
from prm.application.communications.inbox_threads_list import ListThreads
from prm.application.communications.messages_callbacks import ApplyStatusCallback
from prm.application.shared.context import Principal, PrincipalKind
from prm.application.shared.paging import PageRequest
from prm.application.shared.ports import Clock
from prm.domain.communications.channels import Channel
from prm.domain.communications.threads import StaffUserId, ThreadId, ThreadStatus
from prm.domain.shared.errors import Forbidden
from prm.domain.shared.ids import PatientId, TenantId
from prm.entrypoints.http.communications_inbox_schemas import (
    LinkThreadRequest,
    ReplyRequest,
    ReplyResponse,
    ThreadDetailResponse,
    ThreadMessagesPage,
    ThreadResponse,
    UpdateThreadRequest,
    thread_fields,
    thread_message_response,
    thread_response,
)
from prm.entrypoints.http.paging import PageNumber, PageResponse, PageSize, page_response
from prm.entrypoints.http.problems import problem_responses
from prm.entrypoints.http.security import CALLER_KEY, Caller
from prm.settings import Settings

READ = {"permission": "communications:read"}
WRITE = {"permission": "communications:write"}
PUBLIC = {"public": True}

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
"""Twilio's "do nothing" answer: our replies go through the REST API, not TwiML."""


class InboundSignatureInvalid(Forbidden):
    """The webhook is not signed with the tenant's secret (or the tenant has none configured)."""

    code = "communications.inbound_signature_invalid"


def _malformed(exc: MalformedCallback) -> ClientException:
    extra = [{"loc": ["body", exc.field], "msg": exc.detail, "type": "malformed_callback"}] if exc.field else None
    return ClientException(detail=exc.detail, extra=extra)


class ThreadController(Controller):
    path = "/communications/threads"
    tags = ("communications",)

    @get(opt=READ, responses=problem_responses(403, 422), summary="List conversation threads")
    @inject
    async def list_communication_threads(
        self,
        list_threads: FromDishka[ListThreads],
        patient_id: FromQuery[UUID | None] = None,
        channel: FromQuery[Channel | None] = None,
        assigned_to: FromQuery[UUID | None] = None,
        unread: FromQuery[bool | None] = None,
        status: FromQuery[ThreadStatus | None] = None,
        unmatched: FromQuery[bool | None] = None,
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
    ) -> PageResponse[ThreadResponse]:
        """The inbox: threads newest activity first. ``unread=true``: with messages waiting for
        staff; ``unmatched=true``: the unmatched queue (senders no patient record holds)."""
        where = ThreadFilter(
            patient_id=PatientId(patient_id) if patient_id else None,
            channel=channel,
            assigned_to=StaffUserId(assigned_to) if assigned_to else None,
            unread=unread,
            status=status,
            unmatched=unmatched,
        )
        result = await list_threads(where, PageRequest(page, page_size))
        return page_response(result.map(thread_response))

    @get("/{thread_id:uuid}", opt=READ, responses=problem_responses(403, 404, 422), summary="Get a thread")
    @inject
    async def get_communication_thread(
        self,
        thread_id: FromPath[UUID],
        get_thread: FromDishka[GetThread],
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
    ) -> ThreadDetailResponse:
        """The thread with a page of its messages, newest first (an audited read)."""
        found = await get_thread(ThreadId(thread_id), PageRequest(page, page_size))
        messages = found.messages
        return ThreadDetailResponse(
            **thread_fields(found.thread),
            messages=ThreadMessagesPage(
                items=[thread_message_response(m) for m in messages.items],
                total=messages.total,
                page=messages.page,
                page_size=messages.page_size,
                has_next=messages.has_next,
                has_previous=messages.has_previous,
            ),
        )

    @post(
        "/{thread_id:uuid}/reply",
        opt=WRITE,
        status_code=201,
        responses=problem_responses(403, 404, 422),
        summary="Reply to a thread",
    )
    @inject
    async def reply_to_communication_thread(
        self, thread_id: FromPath[UUID], data: JSONBody[ReplyRequest], reply: FromDishka[ReplyToThread]
    ) -> ReplyResponse:
        """Queue ``message`` (or ``template_name`` with ``template_vars``) on the thread's channel to
        its address; consent and quiet hours apply as to any message."""
        message_id = await reply(
            ReplyToThreadCommand(
                thread_id=ThreadId(thread_id),
                message=data.message,
                template_name=data.template_name,
                template_vars=data.template_vars,
                subject=data.subject,
            )
        )
        return ReplyResponse(id=message_id, thread_id=thread_id)

    @patch("/{thread_id:uuid}", opt=WRITE, responses=problem_responses(403, 404, 409, 422), summary="Update a thread")
    @inject
    async def update_communication_thread(
        self, thread_id: FromPath[UUID], data: JSONBody[UpdateThreadRequest], update: FromDishka[UpdateThread]
    ) -> ThreadResponse:
        """Assign (``assigned_to``: a staff user id, ``null`` for nobody), close or reopen."""
        assigned = KEEP if data.assigned_to is UNSET else data.assigned_to
        thread = await update(
            UpdateThreadCommand(
                thread_id=ThreadId(thread_id),
                assigned_to=StaffUserId(assigned) if isinstance(assigned, UUID) else assigned,
                status=None if data.status is UNSET else data.status,
            )
        )
        return thread_response(thread)

    @post(
        "/{thread_id:uuid}/read",
        opt=WRITE,
        status_code=200,
        responses=problem_responses(403, 404),
        summary="Mark a thread read",
    )
    @inject
    async def read_communication_thread(
        self, thread_id: FromPath[UUID], mark_read: FromDishka[MarkThreadRead]
    ) -> ThreadResponse:
        """Nothing unread in the thread any more (its inbound messages become ``read``)."""
        return thread_response(await mark_read(ThreadId(thread_id)))

    @post(
        "/{thread_id:uuid}/link",
        opt=WRITE,
        status_code=200,
        responses=problem_responses(403, 404, 409, 422),
        summary="Link an unmatched thread to a patient",
    )
    @inject
    async def link_communication_thread(
        self, thread_id: FromPath[UUID], data: JSONBody[LinkThreadRequest], link: FromDishka[LinkThread]
    ) -> ThreadResponse:
        """The unmatched thread becomes ``patient_id``'s (merged into the patient's thread on the
        channel when there is one: the answer is that thread)."""
        return thread_response(await link(ThreadId(thread_id), PatientId(data.patient_id)))


async def as_path_tenant(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Provider webhooks name their tenant in the path: the unit of work is that tenant's, done by
    the provider (a system principal), once the handler has checked the signature."""
    tenant_id = connection.path_params["tenant_id"]
    settings = await connection.app.state.dishka_container.get(Settings)
    principal = Principal(PrincipalKind.SYSTEM, id=f"webhook:{handler.opt.get('provider', 'provider')}")
    caller = Caller(principal, TenantId(tenant_id), settings.default_phone_region.upper())
    connection.scope.setdefault("state", {})[CALLER_KEY] = caller


class InboundWebhookController(Controller):
    path = "/communications/webhooks"
    tags = ("communications",)

    @post(
        "/twilio/{tenant_id:uuid}/inbound",
        opt={**PUBLIC, "provider": "twilio"},
        guards=[as_path_tenant],
        status_code=200,
        media_type="text/xml",
        responses=problem_responses(400, 403, 404),
        summary="Twilio inbound SMS webhook",
    )
    @inject
    async def twilio_inbound_message(
        self,
        request: Request[Any, Any, Any],
        tenant_id: FromPath[UUID],
        credentials: FromDishka[InboundCredentials],
        receive: FromDishka[ReceiveInboundMessage],
        clock: FromDishka[Clock],
    ) -> Response[str]:
        """An SMS to one of the tenant's numbers (form ``MessageSid``, ``From``, ``To``, ``Body``),
        signed with the account's auth token. Answers an empty TwiML ``<Response/>``."""
        pairs = parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
        twilio = await credentials.twilio()
        query = request.url.query
        if twilio is None or not verify_twilio_signature(
            twilio.public_base_url + request.url.path + (f"?{query}" if query else ""),
            pairs,
            request.headers.get(TWILIO_SIGNATURE_HEADER),
            twilio.auth_token,
        ):
            raise InboundSignatureInvalid("the request is not signed with the tenant's Twilio auth token")
        try:
            inbound = parse_twilio_inbound(dict(pairs), received_at=clock.now())
        except MalformedCallback as exc:
            raise _malformed(exc) from exc
        await receive(inbound)
        return Response(EMPTY_TWIML, media_type="text/xml")

    @get(
        "/whatsapp/{tenant_id:uuid}",
        opt={**PUBLIC, "provider": "whatsapp_cloud"},
        guards=[as_path_tenant],
        media_type="text/plain",
        responses=problem_responses(403, 404),
        summary="WhatsApp webhook verification",
    )
    @inject
    async def whatsapp_verification(
        self, request: Request[Any, Any, Any], tenant_id: FromPath[UUID], credentials: FromDishka[InboundCredentials]
    ) -> Response[str]:
        """Meta's subscription check: ``hub.mode=subscribe`` with our ``hub.verify_token`` is
        answered with ``hub.challenge`` (plain text); anything else is 403."""
        whatsapp = await credentials.whatsapp()
        params = {key: str(request.query_params.get(key)) for key in request.query_params}
        challenge = verify_whatsapp_challenge(params, whatsapp.verify_token) if whatsapp is not None else None
        if challenge is None:
            raise InboundSignatureInvalid("not a subscription check with the tenant's verify token")
        return Response(challenge, media_type="text/plain")

    @post(
        "/whatsapp/{tenant_id:uuid}",
        opt={**PUBLIC, "provider": "whatsapp_cloud"},
        guards=[as_path_tenant],
        status_code=200,
        responses=problem_responses(400, 403, 404),
        summary="WhatsApp Cloud API webhook",
    )
    @inject
    async def whatsapp_notification(
        self,
        request: Request[Any, Any, Any],
        tenant_id: FromPath[UUID],
        credentials: FromDishka[InboundCredentials],
        receive: FromDishka[ReceiveInboundMessage],
        apply_statuses: FromDishka[ApplyStatusCallback],
    ) -> dict[str, int]:
        """A ``whatsapp_business_account`` notification signed with the app secret: ``messages[]``
        are received into the inbox, ``statuses[]`` move our messages. Answers how many of each."""
        raw = await request.body()
        whatsapp = await credentials.whatsapp()
        if whatsapp is None or not verify_meta_signature(
            raw, request.headers.get(META_SIGNATURE_HEADER), whatsapp.app_secret
        ):
            raise InboundSignatureInvalid("the request is not signed with the tenant's WhatsApp app secret")
        try:
            statuses, messages = parse_whatsapp_webhook(json.loads(raw))
        except ValueError as exc:  # MalformedCallback, and JSON that does not parse
            if isinstance(exc, MalformedCallback):
                raise _malformed(exc) from exc
            raise ClientException(detail="the body is not JSON") from exc
        if statuses:
            await apply_statuses(statuses)
        for inbound in messages:
            await receive(inbound)
        return {"messages": len(messages), "statuses": len(statuses)}


ROUTES: list[ControllerRouterHandler] = [ThreadController, InboundWebhookController]
