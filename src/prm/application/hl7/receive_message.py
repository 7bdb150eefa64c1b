"""Receive one HL7 v2 message (``POST /hl7/messages``, the MLLP listener) and answer its ACK."""

from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from prm.application.hl7.ports import Hl7Codec, Hl7MessageRepository, Inspection
from prm.application.shared.context import RequestContext
from prm.application.shared.jobs import JobScheduler
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.hl7.model import (
    APPLIED_TYPES,
    MAX_RAW_BYTES,
    AckCode,
    Hl7Error,
    Hl7ErrorCode,
    Hl7Message,
    Hl7MessageId,
    Hl7NotApplicable,
    Hl7Status,
)

log = structlog.get_logger(__name__)

APPLY_MESSAGE = "hl7.apply"
"""The job that applies one stored message (``{"message_id": "<uuid>"}``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiveHl7Command:
    """``raw``: the message as ER7 text; ``message_id`` and ``correlation_id``: the sender's own
    references (Harman's ``messageId``/``correlationId``), kept with it, at most 255 characters."""

    raw: str
    message_id: str | None = None
    correlation_id: str | None = None


@dataclass(frozen=True, slots=True)
class Hl7Receipt:
    """The ACK to send back (ER7, segments ended by CR), the stored message (None when it was
    too large to store) and whether this call stored it (False: a repeat of a known one)."""

    ack: str
    message: Hl7Message | None
    created: bool


class ReceiveHl7Message:
    """Store the message, schedule its application, commit, and only then build the ACK.

    - AR (status ``rejected``): bad encoding characters, a missing MSH-9, MSH-10 or MSH-12, a
      truncated message (see :mod:`prm.adapters.hl7.codec`); stored for the record, not applied.
      Over 1 MiB: AR, not stored.
    - AE (status ``failed``): well formed, but of a type PRM does not apply (``APPLIED_TYPES``).
    - AA (status ``received``): stored with an ``hl7.apply`` job in the same transaction.
    - A repeat (same sending facility MSH-4 and control id MSH-10 in the tenant) is answered with
      the stored outcome's code again; nothing is stored or applied twice (a unique key decides
      between concurrent deliveries).

    Logs the control id, message type and status only (the raw message is PHI).
    """

    def __init__(
        self,
        messages: Hl7MessageRepository,
        codec: Hl7Codec,
        jobs: JobScheduler,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._messages = messages
        self._codec = codec
        self._jobs = jobs
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, command: ReceiveHl7Command) -> Hl7Receipt:
        intake = Hl7Intake(self._messages, self._codec, self._jobs, self._clock, self._context)
        stored = await intake.store(command)
        if stored.created:
            await self._uow.commit()
        return intake.receipt(stored)


@dataclass(frozen=True, slots=True)
class StoredHl7:
    """A message as :meth:`Hl7Intake.store` left it: read, stored (or found stored: a repeat, or
    None when too large) and whether this call stored it."""

    inspection: Inspection
    message: Hl7Message | None
    created: bool
    refusal: Hl7Error | None = None


class Hl7Intake:
    """The steps of receiving shared by one message and a batch (not a use case: the caller
    commits, and only then builds the ACKs with :meth:`receipt`)."""

    def __init__(
        self,
        messages: Hl7MessageRepository,
        codec: Hl7Codec,
        jobs: JobScheduler,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._messages = messages
        self._codec = codec
        self._jobs = jobs
        self._clock = clock
        self._context = context

    async def store(self, command: ReceiveHl7Command) -> StoredHl7:
        """Write the message and its ``hl7.apply`` job (uncommitted); a repeat writes nothing."""
        return (await self.store_many([command]))[0]

    async def store_many(self, commands: Sequence[ReceiveHl7Command]) -> list[StoredHl7]:
        """:meth:`store` for each of ``commands``, in order, their rows written by one statement;
        a repeat of an earlier one of them is answered as that one."""
        read = [self._read(command) for command in commands]
        messages = [stored.message for stored in read if stored.refusal is None and stored.message is not None]
        written = await self._messages.add_many(messages)
        return [await self._outcome(stored, written) for stored in read]

    def _read(self, command: ReceiveHl7Command) -> StoredHl7:
        """The message to store (``created`` False until it is), or its refusal (too large)."""
        inspection = self._codec.inspect(command.raw)
        header = inspection.header
        if len(command.raw.encode("utf-8", "replace")) > MAX_RAW_BYTES:
            error = Hl7Error("MSH", None, Hl7ErrorCode.APPLICATION_ERROR, "the message is larger than 1 MiB")
            log.info("hl7.refused", control_id=header.control_id, reason="too_large")
            return StoredHl7(inspection, None, created=False, refusal=error)
        message = Hl7Message.receive(
            tenant_id=self._context.tenant_id,
            header=header,
            raw=inspection.text,
            errors=inspection.errors,
            supported=header.message_type in APPLIED_TYPES,
            now=self._clock.now(),
            sender_message_id=_reference(command.message_id),
            correlation_id=_reference(command.correlation_id),
        )
        return StoredHl7(inspection, message, created=False)

    async def _outcome(self, read: StoredHl7, written: frozenset[Hl7MessageId]) -> StoredHl7:
        """A written message with its job scheduled, or the stored one it repeats."""
        message, header = read.message, read.inspection.header
        if read.refusal is not None or message is None:
            return read
        if message.id in written:
            if message.status is Hl7Status.RECEIVED:
                self._jobs.schedule(APPLY_MESSAGE, {"message_id": str(message.id)}, key=str(message.id))
            log.info(
                "hl7.received",
                hl7_message_id=str(message.id),
                control_id=header.control_id,
                message_type=header.message_type,
                status=message.status.value,
            )
            return StoredHl7(read.inspection, message, created=True)
        stored = await self._messages.get_by_key(header.sending_facility, header.control_id)
        if stored is None:  # pragma: no cover - the unique key said it exists
            raise Hl7NotApplicable("the repeated message could not be read back")
        log.info("hl7.repeated", control_id=header.control_id, hl7_message_id=str(stored.id))
        return StoredHl7(read.inspection, stored, created=False)

    def receipt(self, stored: StoredHl7) -> Hl7Receipt:
        """The ACK of a stored message (after the commit): its code and errors, or for a repeat
        the stored outcome's code again (AA without the warnings it first had)."""
        if stored.refusal is not None or stored.message is None:
            refused = (stored.refusal,) if stored.refusal is not None else ()
            return Hl7Receipt(self._codec.ack(stored.inspection, AckCode.AR, refused), None, created=False)
        message = stored.message
        errors = message.errors if stored.created or message.ack_code is not AckCode.AA else ()
        return Hl7Receipt(self._codec.ack(stored.inspection, message.ack_code, errors), message, stored.created)


def _reference(value: str | None) -> str | None:
    """A sender's reference without control characters (a NUL fits no database text), at most 255."""
    text = "".join(c for c in (value or "") if c >= " " and c != "\x7f").strip()
    return text[:255] or None
