"""The read side of the messages part in SQL: lists, counts per patient, statistics and
full-text search of the tenant's messages (the writes are in ``communications_messages``).

Every statement names the tenant it was built for. Search is PostgreSQL's generated
``search_vector`` (``plainto_tsquery('simple', ...)``: every word, as typed, any case) or
SQLite's FTS5 ``communication_messages_fts`` (every word quoted, so no FTS5 syntax reaches it):
see migration 0012.
"""

import re
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from prm.adapters.sql.communications_messages import message_of
from prm.adapters.sql.communications_messages_tables import communication_messages
from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.paging import count_of, fetch_page, literal
from prm.adapters.sql.postgres_statements import CUSTOM_PLAN
from prm.adapters.sql.types import UtcDateTime
from prm.application.communications.messages_ports import (
    MessageCounts,
    MessageFilter,
    MessageQueries,
    MessageRecordFilter,
    MessageRecordQueries,
)
from prm.application.shared.paging import Page, PageRequest
from prm.domain.communications.channels import Channel, Direction, MessageStatus
from prm.domain.communications.messages import Message
from prm.domain.shared.ids import PatientId, TenantId

_m = communication_messages
_WORDS = re.compile(r"\w+")

SEARCH_COUNT_LIMIT = 1_000
"""A search counts its matches exactly up to this many (or to the end of the page asked for); past
it the total is a lower bound (``total_exact: false``). Counting is the dearest part of a search of
a common word: 10,001 matches of 1,000,000 messages cost 13 to 95 ms of PostgreSQL's time (by the
plan), 1,001 cost 1.5 to 5 ms, and "1,000 or more" is what a person searching needs to know."""
SPARSE_MATCHES = SEARCH_COUNT_LIMIT
"""Up to this many matches a search reads them all through the GIN index and sorts them."""


def _fts5_query(text: str) -> str:
    """Every word of ``text`` as an FTS5 string (``"word"``): all must match, no operators."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in _WORDS.findall(text))


_COUNT_OF_PATIENT = (
    sa.select(sa.func.count())
    .select_from(_m)
    .where(
        _m.c.tenant_id == sa.bindparam("count_tenant_id", type_=sa.Uuid),
        _m.c.patient_id == sa.bindparam("count_patient_id", type_=sa.Uuid),
        _m.c.created_at >= sa.bindparam("count_since", type_=UtcDateTime),
    )
)
"""Built once (a prepared statement): ``GET /patients/{id}`` reads it on every call."""


class SqlMessageQueries(MessageQueries):
    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def _where(self, f: MessageFilter) -> list[sa.ColumnElement[bool]]:
        where: list[sa.ColumnElement[bool]] = [_m.c.tenant_id == self._tenant_id]
        for name in ("patient_id", "journey_instance_id", "appointment_id", "campaign_id", "thread_id"):
            value = getattr(f, name)
            if value is not None:
                where.append(_m.c[name] == value)
        for name in ("channel", "status", "direction"):
            value = getattr(f, name)
            if value is not None:
                where.append(_m.c[name] == value.value)
        if f.date_from is not None:
            where.append(_m.c.created_at >= f.date_from)
        if f.date_to is not None:
            where.append(_m.c.created_at <= f.date_to)
        return where

    async def list_page(self, where: MessageFilter, page: PageRequest) -> Page[Message]:
        return await fetch_page(self._connection, _m, self._where(where), [_m.c.id.desc()], page, message_of)

    async def count_of_patient(self, patient_id: PatientId, since: datetime) -> int:
        parameters = {"count_tenant_id": self._tenant_id, "count_patient_id": patient_id, "count_since": since}
        return int((await self._connection.execute(_COUNT_OF_PATIENT, parameters)).scalar_one())

    async def search(self, text: str, where: MessageFilter, page: PageRequest) -> Page[Message]:
        conditions = self._where(where)
        if not _WORDS.search(text):
            return Page([], 0, page.page, page.page_size)
        if self._connection.dialect.name == "postgresql":
            vector: sa.ColumnElement[Any] = sa.literal_column("communication_messages.search_vector")
            conditions.append(vector.op("@@")(sa.func.plainto_tsquery(sa.literal_column("'simple'::regconfig"), text)))
            return await self._search_postgresql(conditions, page)
        fts = sa.table("communication_messages_fts")
        matching: sa.Select[Any] = (
            sa.select(sa.literal_column("rowid"))
            .select_from(fts)
            .where(sa.literal_column("communication_messages_fts").op("MATCH")(_fts5_query(text)))
        )
        conditions.append(sa.literal_column("communication_messages.rowid").in_(matching))
        return await fetch_page(self._connection, _m, conditions, [_m.c.id.desc()], page, message_of)

    async def _search_postgresql(self, conditions: list[sa.ColumnElement[bool]], page: PageRequest) -> Page[Message]:
        """Count the matches first, at most :data:`SEARCH_COUNT_LIMIT` + 1 of them (a few ms). Few
        matches: read them all through the index and sort them (a rare word must not walk the
        tenant's messages newest first, which the planner picks when it misjudges the word: 5.6 s
        measured at 1,000,000 messages). Many: the newest-first walk, which meets a page of them
        at once. Both are planned with the words (:data:`CUSTOM_PLAN`): a generic plan counts a
        common word through a bitmap of all its matches (75 to 95 ms at 1,000,000 messages,
        against 1.5 to 5 ms for the walk a plan made with the word chooses)."""
        matches = sa.select(_m.c.id).where(*conditions)
        limit = max(SEARCH_COUNT_LIMIT, page.offset + page.page_size) + 1
        counting = count_of(matches, limit).execution_options(**{CUSTOM_PLAN: True})
        total = int((await self._connection.execute(counting)).scalar_one())
        exact = total < limit
        if total <= SPARSE_MATCHES:
            found = sa.select(_m).where(*conditions).cte("found").prefix_with("MATERIALIZED")
            rows = await self._connection.execute(
                sa.select(found)
                .order_by(found.c.id.desc())
                .limit(literal(page.page_size))
                .offset(literal(page.offset))
                .execution_options(**{CUSTOM_PLAN: True})
            )
        else:
            rows = await self._connection.execute(
                sa.select(_m)
                .where(*conditions)
                .order_by(_m.c.id.desc())
                .limit(literal(page.page_size))
                .offset(literal(page.offset))
                .execution_options(**{CUSTOM_PLAN: True})
            )
        return Page([message_of(r) for r in rows], total, page.page, page.page_size, total_exact=exact)

    async def counts(self, date_from: datetime | None, date_to: datetime | None) -> MessageCounts:
        where = self._where(MessageFilter(date_from=date_from, date_to=date_to))
        grouped = await self._connection.execute(
            sa.select(_m.c.channel, _m.c.status, _m.c.direction, sa.func.count())
            .where(*where)
            .group_by(_m.c.channel, _m.c.status, _m.c.direction)
        )
        by_channel: dict[str, int] = {c.value: 0 for c in Channel}
        by_status: dict[str, int] = {s.value: 0 for s in MessageStatus}
        total = sent = delivered = 0
        reached = {MessageStatus.SENT.value, MessageStatus.DELIVERED.value, MessageStatus.READ.value}
        for channel, status, direction, count in grouped:
            total += count
            by_channel[channel] = by_channel.get(channel, 0) + count
            by_status[status] = by_status.get(status, 0) + count
            if direction == Direction.OUTBOUND.value and status in reached:
                sent += count
                if status != MessageStatus.SENT.value:
                    delivered += count
        replied = (
            await self._connection.execute(
                sa.select(sa.func.count(sa.distinct(_m.c.reply_to_id))).where(
                    *where, _m.c.direction == Direction.INBOUND.value, _m.c.reply_to_id.is_not(None)
                )
            )
        ).scalar_one()
        return MessageCounts(
            total=total,
            by_channel=by_channel,
            by_status=by_status,
            outbound_sent=sent,
            outbound_delivered=delivered,
            replied=int(replied or 0),
        )


class SqlMessageRecordQueries(MessageRecordQueries):
    """The FHIR Communication search, newest first by id (UUIDv7). ``patient`` uses the
    ``(tenant_id, patient_id, id)`` index; the other filters are checked on the rows walked in
    that order (the page stops at its size), as the message list's are."""

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def _where(self, f: MessageRecordFilter) -> list[sa.ColumnElement[bool]]:
        where: list[sa.ColumnElement[bool]] = [_m.c.tenant_id == self._tenant_id]
        if f.patient_id is not None:
            where.append(_m.c.patient_id == f.patient_id)
        if f.statuses:
            where.append(_m.c.status.in_(sorted(s.value for s in f.statuses)))
        if f.channels:
            where.append(_m.c.channel.in_(sorted(c.value for c in f.channels)))
        if f.categories:
            where.append(_m.c.category.in_(sorted(f.categories)))
        arrived = sa.func.coalesce(_m.c.received_at, _m.c.delivered_at)
        for column, start, before in (
            (_m.c.sent_at, f.sent_from, f.sent_before),
            (arrived, f.arrived_from, f.arrived_before),
        ):
            if start is not None:
                where.append(column >= start)
            if before is not None:
                where.append(column < before)
        return where

    async def find(self, where: MessageRecordFilter, page: PageRequest) -> Page[Message]:
        return await fetch_page(self._connection, _m, self._where(where), [_m.c.id.desc()], page, message_of)
