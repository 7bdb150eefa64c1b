"""The HL7 v2 API under ``/api/v1/prm/hl7`` (Harman's "HL7 Ingestion", issue 14).

Senders (API keys or users with ``hl7:write``) post one message at a time and get its ACK back,
or a batch and get one ACK per message;
readers (``hl7:read``) list the messages, open one (raw text, parsed segments, changes, errors)
or poll a control id's parse status. The raw message is PHI: reads are audited, nothing logs it.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.types import ControllerRouterHandler

from prm.adapters.hl7.codec import decode
from prm.application.hl7.get_message import GetHl7Message, GetHl7ParseStatus
from prm.application.hl7.list_messages import ListHl7Messages, ListHl7MessagesQuery
from prm.application.hl7.ports import Hl7MessageCriteria
from prm.application.hl7.receive_batch import ReceiveHl7Batch
from prm.application.hl7.receive_message import ReceiveHl7Command, ReceiveHl7Message
from prm.application.shared.paging import PageRequest
from prm.domain.hl7.model import MAX_BATCH_BYTES, MAX_CODE_LENGTH, MAX_CONTROL_ID_LENGTH, Hl7MessageId, Hl7Status
from prm.domain.shared.errors import RuleViolated
from prm.entrypoints.http.hl7_schemas import (
    Hl7AckResponse,
    Hl7BatchResponse,
    Hl7MessageResponse,
    Hl7MessageSummaryResponse,
    Hl7ParseStatusResponse,
    ReceiveHl7BatchRequest,
    ReceiveHl7Request,
    ack_response,
    batch_response,
    message_response,
    parse_status_response,
    summary_response,
)
from prm.entrypoints.http.paging import PageNumber, PageResponse, PageSize, page_response
from prm.entrypoints.http.problems import problem_responses

ER7 = "x-application/hl7-v2+er7"
"""The media type of HL7 v2 in ER7 (pipe-delimited) encoding."""


HL7_MESSAGES_PATH = "/hl7/messages"
"""Where messages are posted; ``openapi.py`` documents its bodies and answers with the two below."""
HL7_REQUEST_CONTENT: dict[str, Any] = {
    "application/json": {"schema": msgspec.json.schema(ReceiveHl7Request)["$defs"]["ReceiveHl7Request"]},
    "text/plain": {"schema": {"type": "string", "description": "The message in ER7"}},
    ER7: {"schema": {"type": "string", "description": "The message in ER7"}},
}
HL7_ACK_CONTENT: dict[str, Any] = {ER7: {"schema": {"type": "string", "description": "The ACK in ER7"}}}
"""The 200 answer to a raw body (besides JSON's ``Hl7AckResponse``)."""


def _aware(moment: datetime | None) -> datetime | None:
    """A time without an offset is read as UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


_ACK = {
    200: ResponseSpec(
        data_container=Hl7AckResponse,
        description=(
            "The acknowledgement, after the message was stored: MSA-1 AA (accepted), AE (stored, not "
            f"applied) or AR (rejected). For a raw body, the ACK itself as {ER7}."
        ),
    )
}


class Hl7MessageController(Controller):
    path = HL7_MESSAGES_PATH
    tags = ("hl7",)

    @post(
        opt={"permission": "hl7:write"},
        status_code=200,
        responses={**problem_responses(403, 413, 422), **_ACK},
        summary="Receive an HL7 v2 message",
    )
    @inject
    async def receive_hl7_message(
        self, request: Request[Any, Any, Any], receive: FromDishka[ReceiveHl7Message]
    ) -> Response[Any]:
        """One message, as the body (``text/plain`` or ``x-application/hl7-v2+er7``, UTF-8 or
        ISO-8859-1, segments separated by CR, LF or CRLF) or as JSON ``{"raw_message": "...",
        "message_id": ..., "correlation_id": ...}``. Answered only once the message is stored:
        200 with the ACK (ER7 for a raw body; JSON with the ACK, its code, the message id and
        status for JSON). A malformed message is answered AR (not a problem response); a repeated
        control id from the same facility gets the stored outcome's ACK and is not applied again.
        422 for a JSON body without ``raw_message``."""
        body = await request.body()
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                data = msgspec.json.decode(body, type=ReceiveHl7Request)
            except (msgspec.ValidationError, msgspec.DecodeError) as exc:
                raise RuleViolated(f'the body is not {{"raw_message": "..."}}: {exc}', field="raw_message") from None
            command = ReceiveHl7Command(
                raw=data.raw_message, message_id=data.message_id, correlation_id=data.correlation_id
            )
            receipt = await receive(command)
            return Response(ack_response(receipt, ""), status_code=200)
        receipt = await receive(ReceiveHl7Command(raw=decode(body)))
        return Response(receipt.ack, status_code=200, media_type=ER7)

    @get(opt={"permission": "hl7:read"}, responses=problem_responses(403, 422), summary="List HL7 messages")
    @inject
    async def list_hl7_messages(
        self,
        list_messages: FromDishka[ListHl7Messages],
        status: FromQuery[Hl7Status | None] = None,
        message_type: FromQuery[
            Annotated[str | None, QueryParameter(max_length=MAX_CODE_LENGTH, description="MSH-9, e.g. ADT^A01")]
        ] = None,
        control_id: FromQuery[
            Annotated[str | None, QueryParameter(max_length=MAX_CONTROL_ID_LENGTH, description="MSH-10")]
        ] = None,
        received_from: Annotated[datetime | None, QueryParameter(description="inclusive, RFC 3339")] = None,
        received_to: Annotated[datetime | None, QueryParameter(description="exclusive, RFC 3339")] = None,
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
    ) -> PageResponse[Hl7MessageSummaryResponse]:
        """The tenant's HL7 messages, newest received first, without their raw text."""
        criteria = Hl7MessageCriteria(
            status=status,
            message_type=message_type,
            control_id=control_id,
            received_from=_aware(received_from),
            received_to=_aware(received_to),
        )
        result = await list_messages(ListHl7MessagesQuery(criteria=criteria, page=PageRequest(page, page_size)))
        return page_response(result.map(summary_response))

    @get(
        "/parse-status/{control_id:str}",
        opt={"permission": "hl7:read"},
        responses=problem_responses(403, 404),
        summary="Get an HL7 message's parse status",
    )
    @inject
    async def get_hl7_parse_status(
        self, control_id: FromPath[str], get_status: FromDishka[GetHl7ParseStatus]
    ) -> Hl7ParseStatusResponse:
        """The newest message with this control id (MSH-10): its status, when it was processed
        and what it created or changed. 404 when none was received."""
        return parse_status_response(await get_status(control_id))

    @get(
        "/{message_id:uuid}",
        opt={"permission": "hl7:read"},
        responses=problem_responses(403, 404),
        summary="Get an HL7 message",
    )
    @inject
    async def get_hl7_message(
        self, message_id: FromPath[UUID], get_message: FromDishka[GetHl7Message]
    ) -> Hl7MessageResponse:
        """The message as received (raw), its segments as parsed, what it changed and its errors."""
        return message_response(await get_message(Hl7MessageId(message_id)))


@dataclass
class _BatchBody(Operation):
    """The batch route reads its body itself: document the raw ER7 and JSON forms it takes."""

    def __post_init__(self) -> None:
        text = Schema(type=OpenAPIType.STRING, description="The batch in ER7", max_length=MAX_BATCH_BYTES)
        as_json = Schema(
            type=OpenAPIType.OBJECT,
            required=["raw_batch"],
            properties={"raw_batch": text},
            additional_properties=False,
        )
        self.request_body = RequestBody(
            required=True,
            content={
                "application/json": OpenAPIMediaType(schema=as_json),
                "text/plain": OpenAPIMediaType(schema=text),
                ER7: OpenAPIMediaType(schema=text),
            },
        )


class Hl7BatchController(Controller):
    path = "/hl7/batches"
    tags = ("hl7",)

    @post(
        opt={"permission": "hl7:write"},
        status_code=200,
        responses=problem_responses(403, 413, 422),
        summary="Receive an HL7 v2 batch",
        response_description="One ACK per message, after every message was stored",
        operation_class=_BatchBody,
    )
    @inject
    async def receive_hl7_batch(
        self, request: Request[Any, Any, Any], receive: FromDishka[ReceiveHl7Batch]
    ) -> Hl7BatchResponse:
        """A batch (HL7 v2.5.1 2.10.3): ``FHS``/``BHS`` ... ``BTS``/``FTS`` envelopes, or messages
        one after another, as the body (``text/plain`` or ``x-application/hl7-v2+er7``, UTF-8 or
        ISO-8859-1, CR, LF or CRLF) or JSON ``{"raw_batch": "..."}``; at most 1,000 messages.
        Every message is stored as by ``POST /hl7/messages`` (a repeated control id is
        acknowledged again, not applied twice), in one transaction, and only then answered: 200
        with one ACK per message in order, and the counts. 422 (``hl7.malformed_batch``, nothing
        stored) when the batch cannot be split: a segment before its MSH, a BHS or FHS inside a
        message, no message."""
        body = await request.body()
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                raw = msgspec.json.decode(body, type=ReceiveHl7BatchRequest).raw_batch
            except (msgspec.ValidationError, msgspec.DecodeError) as exc:
                raise RuleViolated(f'the body is not {{"raw_batch": "..."}}: {exc}', field="raw_batch") from None
        else:
            raw = decode(body)
        return batch_response(await receive(raw))


ROUTES: list[ControllerRouterHandler] = [Hl7MessageController, Hl7BatchController]
"""This module's controllers and handlers, registered by ``app.py``."""
