"""Wire schemas of the HL7 v2 API (snake_case JSON, msgspec), after Harman's "HL7 Ingestion":
``raw_message`` in, ``message_id``/``status``/``errors`` and the parsed segments out."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from prm.application.hl7.get_message import Hl7MessageDetail
from prm.application.hl7.ports import Hl7MessageSummary
from prm.application.hl7.receive_batch import Hl7BatchReceipt
from prm.application.hl7.receive_message import Hl7Receipt
from prm.domain.hl7.model import MAX_BATCH_BYTES, MAX_RAW_BYTES, AckCode, Hl7Change, Hl7Error, Hl7Message, Hl7Status

Reference = Annotated[str, msgspec.Meta(max_length=255)]


class ReceiveHl7Request(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One message as JSON: ``raw_message`` in ER7 (segments separated by CR, LF or CRLF)."""

    raw_message: Annotated[str, msgspec.Meta(max_length=MAX_RAW_BYTES, description="The message in ER7")]
    message_id: Reference | None = None
    correlation_id: Reference | None = None


class Hl7AckResponse(msgspec.Struct, frozen=True):
    """The acknowledgement: ``ack`` (ER7, CR-separated) with its MSA-1 ``ack_code``; the stored
    message's id and status (``message_id`` null for a message too large to store);
    ``duplicate`` when the control id was already received (nothing applied again)."""

    ack: str
    ack_code: AckCode
    control_id: str
    message_id: UUID | None
    status: Hl7Status
    duplicate: bool


class ReceiveHl7BatchRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A batch as JSON: ``raw_batch`` in ER7 (FHS/BHS envelopes or messages one after another)."""

    raw_batch: Annotated[str, msgspec.Meta(max_length=MAX_BATCH_BYTES, description="The batch in ER7")]


class Hl7BatchResponse(msgspec.Struct, frozen=True):
    """One ACK per message of the batch, in order: ``count`` messages, of which ``accepted``
    (AA), ``errored`` (AE: stored, not applied) and ``rejected`` (AR)."""

    count: int
    accepted: int
    errored: int
    rejected: int
    acks: list[Hl7AckResponse]


class Hl7ErrorResponse(msgspec.Struct, frozen=True):
    """Where it went wrong: ``segment``, 1-based ``field`` (null: the whole segment), the HL7
    table 0357 ``code`` and a ``text``."""

    segment: str
    field: int | None
    code: str
    text: str


class Hl7ChangeResponse(msgspec.Struct, frozen=True):
    """What applying the message did: ``entity`` (``patient``, ``integration_event``,
    ``appointment``), its id and ``action`` (``created``, ``updated``, ``unchanged``, ``merged``;
    for an appointment ``booked``, ``rescheduled``, ``updated``, ``cancelled``,
    ``entered-in-error``, ``noshow``)."""

    entity: str
    entity_id: UUID
    action: str


class Hl7SegmentResponse(msgspec.Struct, frozen=True):
    """A segment's id and its fields in ER7 (``fields[0]`` is field 1; for MSH, the separator)."""

    name: str
    fields: list[str]


class Hl7MessageSummaryResponse(msgspec.Struct, frozen=True):
    id: UUID
    control_id: str
    message_type: str
    version: str
    sending_application: str
    sending_facility: str
    status: Hl7Status
    ack_code: AckCode
    received_at: datetime
    processed_at: datetime | None
    error_count: int
    change_count: int


class Hl7MessageResponse(msgspec.Struct, frozen=True):
    """One message with its raw text (PHI), parsed segments, errors and changes."""

    id: UUID
    control_id: str
    message_type: str
    version: str
    sending_application: str
    sending_facility: str
    status: Hl7Status
    ack_code: AckCode
    received_at: datetime
    processed_at: datetime | None
    sender_message_id: str | None
    correlation_id: str | None
    raw_message: str
    segments: list[Hl7SegmentResponse]
    errors: list[Hl7ErrorResponse]
    changes: list[Hl7ChangeResponse]


class Hl7ParseStatusResponse(msgspec.Struct, frozen=True):
    """Harman's parse status: ``status``, ``processed_at`` and ``resources_created``."""

    message_id: UUID
    control_id: str
    status: Hl7Status
    ack_code: AckCode
    received_at: datetime
    processed_at: datetime | None
    resources_created: list[Hl7ChangeResponse]
    errors: list[Hl7ErrorResponse]


def _errors(errors: tuple[Hl7Error, ...]) -> list[Hl7ErrorResponse]:
    return [Hl7ErrorResponse(e.segment, e.field, e.code.value, e.text) for e in errors]


def _changes(changes: tuple[Hl7Change, ...]) -> list[Hl7ChangeResponse]:
    return [Hl7ChangeResponse(c.entity, c.entity_id, c.action) for c in changes]


def ack_response(receipt: Hl7Receipt, control_id: str) -> Hl7AckResponse:
    message = receipt.message
    return Hl7AckResponse(
        ack=receipt.ack,
        ack_code=message.ack_code if message else AckCode.AR,
        control_id=message.header.control_id if message else control_id,
        message_id=message.id if message else None,
        status=message.status if message else Hl7Status.REJECTED,
        duplicate=message is not None and not receipt.created,
    )


def batch_response(batch: Hl7BatchReceipt) -> Hl7BatchResponse:
    acks = [ack_response(receipt, "") for receipt in batch.receipts]
    codes = [a.ack_code for a in acks]
    return Hl7BatchResponse(
        count=len(acks),
        accepted=codes.count(AckCode.AA),
        errored=codes.count(AckCode.AE),
        rejected=codes.count(AckCode.AR),
        acks=acks,
    )


def summary_response(s: Hl7MessageSummary) -> Hl7MessageSummaryResponse:
    h = s.header
    return Hl7MessageSummaryResponse(
        id=s.id,
        control_id=h.control_id,
        message_type=h.message_type,
        version=h.version,
        sending_application=h.sending_application,
        sending_facility=h.sending_facility,
        status=s.status,
        ack_code=s.ack_code,
        received_at=s.received_at,
        processed_at=s.processed_at,
        error_count=s.error_count,
        change_count=s.change_count,
    )


def message_response(detail: Hl7MessageDetail) -> Hl7MessageResponse:
    m, h = detail.message, detail.message.header
    return Hl7MessageResponse(
        id=m.id,
        control_id=h.control_id,
        message_type=h.message_type,
        version=h.version,
        sending_application=h.sending_application,
        sending_facility=h.sending_facility,
        status=m.status,
        ack_code=m.ack_code,
        received_at=m.received_at,
        processed_at=m.processed_at,
        sender_message_id=m.sender_message_id,
        correlation_id=m.correlation_id,
        raw_message=m.raw,
        segments=[Hl7SegmentResponse(s.name, list(s.fields)) for s in detail.segments],
        errors=_errors(m.errors),
        changes=_changes(m.changes),
    )


def parse_status_response(m: Hl7Message) -> Hl7ParseStatusResponse:
    return Hl7ParseStatusResponse(
        message_id=m.id,
        control_id=m.header.control_id,
        status=m.status,
        ack_code=m.ack_code,
        received_at=m.received_at,
        processed_at=m.processed_at,
        resources_created=_changes(m.changes),
        errors=_errors(m.errors),
    )
