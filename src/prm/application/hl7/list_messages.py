"""The HL7 message list (``GET /hl7/messages``; Harman's ``GET /hl7-parser/``)."""

from dataclasses import dataclass, field, replace

from prm.application.hl7.ports import Hl7MessageCriteria, Hl7MessageFinder, Hl7MessageSummary
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.paging import Page, PageRequest
from prm.application.shared.ports import UnitOfWork
from prm.domain.shared.errors import RuleViolated

ENTITY = "hl7_message"
"""The audit trail's name for an HL7 message (its raw text names patients)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ListHl7MessagesQuery:
    criteria: Hl7MessageCriteria = field(default_factory=Hl7MessageCriteria)
    page: PageRequest = field(default_factory=PageRequest)


class ListHl7Messages:
    """A page of the tenant's messages, newest received first, without their raw text.
    ``message_type`` is matched as ``ADT^A01`` (upper case). Raises ``RuleViolated`` (422 on
    ``received_to``) for an empty time range. Records one ``search`` audit event and commits."""

    def __init__(self, finder: Hl7MessageFinder, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._finder = finder
        self._audit = audit
        self._uow = uow

    async def __call__(self, query: ListHl7MessagesQuery) -> Page[Hl7MessageSummary]:
        c = query.criteria
        if c.received_from is not None and c.received_to is not None and c.received_to <= c.received_from:
            raise RuleViolated("received_to must be after received_from", field="received_to")
        if c.message_type is not None:
            c = replace(c, message_type=c.message_type.strip().upper())
        page = await self._finder.find(c, query.page)
        await self._audit.record(AuditAction.SEARCH, ENTITY, [m.id for m in page.items])
        await self._uow.commit()
        return page
