"""One HL7 message with its parsed segments (``GET /hl7/messages/{id}``), and the parse status
by control id (``GET /hl7/messages/parse-status/{control_id}``)."""

from dataclasses import dataclass

from prm.application.hl7.list_messages import ENTITY
from prm.application.hl7.ports import Hl7Codec, Hl7MessageFinder, Hl7MessageRepository, ParsedSegment
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import UnitOfWork
from prm.domain.hl7.model import Hl7Message, Hl7MessageId, Hl7MessageNotFound


@dataclass(frozen=True, slots=True)
class Hl7MessageDetail:
    message: Hl7Message
    segments: tuple[ParsedSegment, ...]


class GetHl7Message:
    """The message (raw text included: PHI) and its segments as parsed (empty for one that does
    not parse). Raises ``Hl7MessageNotFound`` (404). Records a ``read`` audit event and commits."""

    def __init__(self, messages: Hl7MessageRepository, codec: Hl7Codec, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._messages = messages
        self._codec = codec
        self._audit = audit
        self._uow = uow

    async def __call__(self, message_id: Hl7MessageId) -> Hl7MessageDetail:
        message = await self._messages.get(message_id)
        if message is None:
            raise Hl7MessageNotFound(f"HL7 message {message_id} not found")
        await self._audit.record(AuditAction.READ, ENTITY, [message.id])
        await self._uow.commit()
        return Hl7MessageDetail(message, self._codec.segments(message.raw))


class GetHl7ParseStatus:
    """The newest message with this control id (MSH-10), for its status, processing time and
    changes. Raises ``Hl7MessageNotFound`` (404). Records a ``read`` audit event and commits."""

    def __init__(self, finder: Hl7MessageFinder, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._finder = finder
        self._audit = audit
        self._uow = uow

    async def __call__(self, control_id: str) -> Hl7Message:
        message = await self._finder.latest_by_control_id(control_id.strip())
        if message is None:
            raise Hl7MessageNotFound("no HL7 message with this control id")
        await self._audit.record(AuditAction.READ, ENTITY, [message.id])
        await self._uow.commit()
        return message
