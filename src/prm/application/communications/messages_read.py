"""Reading messages: list, get, search and the statistics (``GET /communications...``).

Message bodies are PHI: every list, search and get records one audit event naming every message
it shows (``search`` for lists and searches, ``read`` for one), as patient reads do. The counts
show no body and record nothing.
"""

from dataclasses import dataclass, field
from datetime import datetime

from prm.application.communications.messages_ports import MessageFilter, MessageQueries, MessageRepository
from prm.application.communications.messages_queue import ENTITY
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.paging import Page, PageRequest
from prm.application.shared.ports import UnitOfWork
from prm.domain.communications.errors import MessageNotFound
from prm.domain.communications.messages import Message, MessageId
from prm.domain.shared.errors import RuleViolated

MIN_QUERY_LENGTH = 2
MAX_QUERY_LENGTH = 200


def _check_period(date_from: datetime | None, date_to: datetime | None) -> None:
    if date_from is not None and date_to is not None and date_to < date_from:
        raise RuleViolated("date_to is before date_from", field="date_to")


@dataclass(frozen=True, slots=True, kw_only=True)
class ListCommunicationsQuery:
    where: MessageFilter = field(default_factory=MessageFilter)
    page: PageRequest = field(default_factory=PageRequest)


class ListCommunications:
    """A page of the tenant's messages matching the filter, newest first; one ``search`` audit
    event naming them; commits."""

    def __init__(self, queries: MessageQueries, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._queries = queries
        self._audit = audit
        self._uow = uow

    async def __call__(self, query: ListCommunicationsQuery) -> Page[Message]:
        _check_period(query.where.date_from, query.where.date_to)
        page = await self._queries.list_page(query.where, query.page)
        await self._audit.record(AuditAction.SEARCH, ENTITY, [m.id for m in page.items])
        await self._uow.commit()
        return page


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchCommunicationsQuery:
    """``text``: words to find in subjects and bodies, all of them (2 to 200 characters)."""

    text: str
    where: MessageFilter = field(default_factory=MessageFilter)
    page: PageRequest = field(default_factory=PageRequest)


class SearchCommunications:
    """Full-text search over the tenant's subjects and bodies (whole words, any case, every word
    must match), with the list's filters, newest first. Raises ``RuleViolated`` naming
    ``query`` (shorter than 2 or longer than 200 characters) or ``date_to``. One ``search``
    audit event naming the messages shown; commits."""

    def __init__(self, queries: MessageQueries, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._queries = queries
        self._audit = audit
        self._uow = uow

    async def __call__(self, query: SearchCommunicationsQuery) -> Page[Message]:
        text = query.text.strip()
        if not MIN_QUERY_LENGTH <= len(text) <= MAX_QUERY_LENGTH:
            raise RuleViolated(f"query must be {MIN_QUERY_LENGTH} to {MAX_QUERY_LENGTH} characters long", field="query")
        _check_period(query.where.date_from, query.where.date_to)
        page = await self._queries.search(text, query.where, query.page)
        await self._audit.record(AuditAction.SEARCH, ENTITY, [m.id for m in page.items])
        await self._uow.commit()
        return page


class GetCommunication:
    """One message of the tenant; raises ``MessageNotFound`` (404, also for other tenants');
    one ``read`` audit event; commits."""

    def __init__(self, messages: MessageRepository, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._messages = messages
        self._audit = audit
        self._uow = uow

    async def __call__(self, message_id: MessageId) -> Message:
        message = await self._messages.get(message_id)
        if message is None:
            raise MessageNotFound(f"communication {message_id} not found")
        await self._audit.record(AuditAction.READ, ENTITY, [message.id])
        await self._uow.commit()
        return message


@dataclass(frozen=True, slots=True, kw_only=True)
class CommunicationStatistics:
    """The reference API's statistics plus two rates. ``sent``: outbound messages the provider
    took (sent, delivered or read); ``pending``: not sent yet (pending, scheduled, queued,
    sending); ``failed``: failed. ``delivery_rate``: delivered or read / ``sent``;
    ``reply_rate``: outbound messages answered by an inbound one / ``sent`` (0 to 1, 4
    decimals; 0 when nothing was sent)."""

    total: int
    by_channel: dict[str, int]
    by_status: dict[str, int]
    sent: int
    pending: int
    failed: int
    delivery_rate: float
    reply_rate: float


class GetCommunicationStatistics:
    """Counts of the tenant's messages created in ``[date_from, date_to]`` (either open)."""

    def __init__(self, queries: MessageQueries) -> None:
        self._queries = queries

    async def __call__(self, date_from: datetime | None, date_to: datetime | None) -> CommunicationStatistics:
        _check_period(date_from, date_to)
        counts = await self._queries.counts(date_from, date_to)
        by_status = dict(counts.by_status)
        pending = sum(by_status.get(s, 0) for s in ("pending", "scheduled", "queued", "sending"))
        sent = counts.outbound_sent

        def rate(part: int) -> float:
            return round(part / sent, 4) if sent else 0.0

        return CommunicationStatistics(
            total=counts.total,
            by_channel=dict(counts.by_channel),
            by_status=by_status,
            sent=sent,
            pending=pending,
            failed=by_status.get("failed", 0),
            delivery_rate=rate(counts.outbound_delivered),
            reply_rate=rate(min(counts.replied, sent)),
        )
