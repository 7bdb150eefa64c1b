"""An HL7 v2 message as received, and what applying it did (HL7 v2.5.1 chapter 2, "Control").

Life cycle:

=========  ===============================================================================
status     meaning
=========  ===============================================================================
received   stored and acknowledged ``AA``; the ``hl7.apply`` job will apply it
processed  applied: ``changes`` lists what it created or updated
failed     stored but not applied: an unsupported type (acknowledged ``AE``), or applying
           it failed (``errors`` say where)
rejected   stored for the record only, acknowledged ``AR``: bad encoding characters, a missing
           MSH-9, MSH-10 or MSH-12, a truncated message
=========  ===============================================================================

A message is identified, per tenant, by its sending facility (MSH-4) and control id (MSH-10):
receiving the same pair again is a repeat, acknowledged with the stored outcome and never applied
twice. Rejected messages take no part in that key (a corrected message may reuse the control id).
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NewType
from uuid import UUID

from prm.domain.shared.errors import Conflict, NotFound, RuleViolated
from prm.domain.shared.ids import TenantId, new_id

Hl7MessageId = NewType("Hl7MessageId", UUID)

MAX_RAW_BYTES = 1024 * 1024
"""1 MiB: the largest message accepted (UTF-8); a bigger one is rejected without being stored."""
MAX_CONTROL_ID_LENGTH = 199
MAX_CODE_LENGTH = 64
MAX_ERROR_TEXT_LENGTH = 500
"""Limits in characters; the storage columns are sized to them (MSH-10 is ST of 199 in v2.8)."""


class Hl7Status(StrEnum):
    RECEIVED = "received"
    PROCESSED = "processed"
    FAILED = "failed"
    REJECTED = "rejected"


class AckCode(StrEnum):
    """HL7 table 0008, original mode: application accept, error, reject."""

    AA = "AA"
    AE = "AE"
    AR = "AR"


class Hl7ErrorCode(StrEnum):
    """HL7 table 0357 (message error condition codes) used in ERR-3."""

    SEGMENT_SEQUENCE = "100"
    REQUIRED_FIELD_MISSING = "101"
    DATA_TYPE = "102"
    UNSUPPORTED_MESSAGE_TYPE = "200"
    UNSUPPORTED_EVENT = "201"
    UNKNOWN_KEY = "204"
    APPLICATION_ERROR = "207"


@dataclass(frozen=True, slots=True)
class Hl7Error:
    """Where a message went wrong: ``segment`` (``MSH``, ``PID``), its 1-based ``field`` (None:
    the segment as a whole), the table 0357 ``code`` and a ``text`` without patient data."""

    segment: str
    field: int | None
    code: Hl7ErrorCode
    text: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", self.text[:MAX_ERROR_TEXT_LENGTH])


@dataclass(frozen=True, slots=True)
class Hl7Change:
    """What applying a message did: ``entity`` (``patient``, ``integration_event``,
    ``appointment``), its id, and ``action`` (``created``, ``updated``, ``merged``; for an
    appointment its new FHIR Appointment.status or ``rescheduled``: ``booked``, ``rescheduled``,
    ``cancelled``, ``entered-in-error``, ``noshow``)."""

    entity: str
    entity_id: UUID
    action: str


class Hl7NotApplicable(Conflict):
    """The message is not waiting to be applied (already processed, failed or rejected)."""

    code = "hl7.not_applicable"


class MalformedHl7Batch(RuleViolated):
    """A batch that cannot be split into messages (HL7 v2.5.1 2.10.3: FHS/BHS envelopes, or
    messages one after another): a segment before its MSH, a second BHS or FHS, no message."""

    code = "hl7.malformed_batch"


MAX_BATCH_MESSAGES = 1000
MAX_BATCH_BYTES = 8 * 1024 * 1024
"""The most messages one batch may hold, and its largest size (8 MiB, UTF-8)."""


class Hl7MessageNotFound(NotFound):
    """No HL7 message of the tenant has this id (or control id)."""

    code = "hl7.message_not_found"


SIU_TYPES = frozenset({"SIU^S12", "SIU^S13", "SIU^S14", "SIU^S15", "SIU^S17", "SIU^S26"})
"""Scheduling notifications the worker applies: new (booked), rescheduled, modified, cancelled,
deleted (entered-in-error) and no-show appointments (HL7 v2.5.1 chapter 10)."""
APPLIED_TYPES = frozenset({"ADT^A01", "ADT^A03", "ADT^A04", "ADT^A08", "ADT^A28", "ADT^A31", "ADT^A40"}) | SIU_TYPES
"""Message types (MSH-9.1 ``^`` MSH-9.2) the worker applies; others are stored and answered AE."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Hl7Header:
    """The MSH fields PRM keeps: MSH-3/4 sender, MSH-9 type (``ADT^A01``, structure left out),
    MSH-10 control id, MSH-12 version. Empty strings where the message left a field empty."""

    sending_application: str = ""
    sending_facility: str = ""
    message_type: str = ""
    control_id: str = ""
    version: str = ""


@dataclass(kw_only=True, eq=False)
class Hl7Message:
    """One received message: its header, the raw text as received (PHI: never logged), and the
    outcome. ``ack_code`` is what the sender was answered (and is answered again on a repeat).
    ``version`` counts changes (optimistic concurrency)."""

    id: Hl7MessageId
    tenant_id: TenantId
    header: Hl7Header
    raw: str
    status: Hl7Status
    ack_code: AckCode
    received_at: datetime
    sender_message_id: str | None = None
    correlation_id: str | None = None
    errors: tuple[Hl7Error, ...] = ()
    changes: tuple[Hl7Change, ...] = ()
    processed_at: datetime | None = None
    version: int = 1
    events: list[object] = field(default_factory=list, repr=False)

    @classmethod
    def receive(
        cls,
        *,
        tenant_id: TenantId,
        header: Hl7Header,
        raw: str,
        errors: tuple[Hl7Error, ...],
        supported: bool,
        now: datetime,
        sender_message_id: str | None = None,
        correlation_id: str | None = None,
    ) -> "Hl7Message":
        """A new message: ``rejected`` (AR) when ``errors`` were found in it, ``failed`` (AE) when
        it is well formed but of a type PRM does not apply, else ``received`` (AA)."""
        if errors:
            status, ack = Hl7Status.REJECTED, AckCode.AR
        elif not supported:
            status, ack = Hl7Status.FAILED, AckCode.AE
            errors = (
                Hl7Error(
                    "MSH",
                    9,
                    Hl7ErrorCode.UNSUPPORTED_MESSAGE_TYPE,
                    f"message type {header.message_type} is not applied",
                ),
            )
        else:
            status, ack = Hl7Status.RECEIVED, AckCode.AA
        return cls(
            id=Hl7MessageId(new_id()),
            tenant_id=tenant_id,
            header=header,
            raw=raw,
            status=status,
            ack_code=ack,
            received_at=now,
            sender_message_id=sender_message_id,
            correlation_id=correlation_id,
            errors=errors,
            processed_at=now if status is not Hl7Status.RECEIVED else None,
        )

    @property
    def dedup_key(self) -> str | None:
        """The control id, for the unique key with the sending facility; None for a rejected
        message (which a corrected one may follow with the same control id)."""
        return None if self.status is Hl7Status.REJECTED else self.header.control_id

    def _finish(self, status: Hl7Status, now: datetime) -> None:
        if self.status is not Hl7Status.RECEIVED:
            raise Hl7NotApplicable(f"an HL7 message that is {self.status} cannot become {status}")
        self.status = status
        self.processed_at = now
        self.version += 1

    def mark_processed(self, changes: tuple[Hl7Change, ...], warnings: tuple[Hl7Error, ...], now: datetime) -> None:
        """Applied, with ``changes``; ``warnings`` name the parts left out (an invalid phone)."""
        self._finish(Hl7Status.PROCESSED, now)
        self.changes = changes
        self.errors = warnings

    def mark_failed(self, errors: tuple[Hl7Error, ...], changes: tuple[Hl7Change, ...], now: datetime) -> None:
        """Not applied (or only in part: ``changes`` made before the failure)."""
        self._finish(Hl7Status.FAILED, now)
        self.changes = changes
        self.errors = errors
