"""The FHIR Communication search: the message list's filters with several statuses, channels and
categories at once (one FHIR ``Communication.status`` stands for several message statuses) and
ranges of the sent and received instants."""

from dataclasses import dataclass, field

from prm.application.communications.messages_ports import MessageRecordFilter, MessageRecordQueries
from prm.application.communications.messages_queue import ENTITY
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.paging import Page, PageRequest
from prm.application.shared.ports import UnitOfWork
from prm.domain.communications.messages import Message


@dataclass(frozen=True, slots=True, kw_only=True)
class FindCommunicationRecordsQuery:
    where: MessageRecordFilter = field(default_factory=MessageRecordFilter)
    page: PageRequest = field(default_factory=PageRequest)


class FindCommunicationRecords:
    """A page of the tenant's messages matching the filter, newest first. Message bodies are PHI:
    records one ``search`` audit event naming every message found and commits, as the message
    list (``ListCommunications``) does."""

    def __init__(self, queries: MessageRecordQueries, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._queries = queries
        self._audit = audit
        self._uow = uow

    async def __call__(self, query: FindCommunicationRecordsQuery) -> Page[Message]:
        page = await self._queries.find(query.where, query.page)
        await self._audit.record(AuditAction.SEARCH, ENTITY, [m.id for m in page.items])
        await self._uow.commit()
        return page
