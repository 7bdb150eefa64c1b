"""SQL adapters of the messages part: the tenant's messages (the send queue too), their
attempts and callbacks, and the read side (lists, counts, full-text search).

Every statement names the tenant it was built for. Claims and locks are ``FOR UPDATE`` (``SKIP
LOCKED`` for the queue) on PostgreSQL; on SQLite, which has one writer at a time, they take the
database's write lock first (``lock_for_writing``). Search is PostgreSQL's generated
``search_vector`` (``plainto_tsquery('simple', ...)``: every word, as typed, any case) or
SQLite's FTS5 ``communication_messages_fts`` (every word quoted, so no FTS5 syntax reaches it):
see migration 0012.
"""

import operator
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from prm.adapters.sql.communications_messages_tables import (
    communication_attempts,
    communication_callbacks,
    communication_messages,
)
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
    MessageRepository,
)
from prm.application.shared.paging import Page, PageRequest
from prm.domain.communications.channels import Channel, Direction, MessageStatus
from prm.domain.communications.messages import UNSENT, Attempt, Message, MessageId
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PatientId, TenantId, new_id

_m = communication_messages

SEARCH_COUNT_LIMIT = 1_000
"""A search counts its matches exactly up to this many (or to the end of the page asked for); past
it the total is a lower bound (``total_exact: false``). Counting is the dearest part of a search of
a common word: 10,001 matches of 1,000,000 messages cost 13 to 95 ms of PostgreSQL's time (by the
plan), 1,001 cost 1.5 to 5 ms, and "1,000 or more" is what a person searching needs to know."""
SPARSE_MATCHES = SEARCH_COUNT_LIMIT
"""Up to this many matches a search reads them all through the GIN index and sorts them."""
_a = communication_attempts
_c = communication_callbacks

_ENUMS = {"direction": Direction, "channel": Channel, "status": MessageStatus}
_COLUMNS = tuple(c.name for c in _m.columns)
_values_of = operator.attrgetter(*_COLUMNS)
_FIXED = {"tenant_id", "id", "created_at", "version", "direction", "channel", "recipient", "sender", "subject", "body"}
_FIXED |= {"template_name", "template_language", "category", "event_type", "dedup_key", "patient_id"}
_UPDATED = tuple(name for name in _COLUMNS if name not in _FIXED)
"""What a message's life changes (never its content, addresses or links: an UPDATE that leaves
them alone writes less and does not recompute the search vector from them)."""
_ATTEMPT_UPDATED = ("finished_at", "outcome", "provider", "provider_message_id", "error_code", "error")
_WORDS = re.compile(r"\w+")


def message_row(message: Message) -> dict[str, Any]:
    """The ``communication_messages`` row of ``message``."""
    row = dict(zip(_COLUMNS, _values_of(message), strict=True))
    for name in _ENUMS:
        row[name] = row[name].value
    return row


def message_rows(messages: Sequence[Message], columns: Sequence[str]) -> list[dict[str, Any]]:
    """The rows of ``messages`` with only ``columns`` (which must include the enum columns), for
    bulk writes of messages that leave the others empty. Raises ``ValueError`` when a message
    has a value in a column left out (so nothing is dropped unseen)."""
    values_of = operator.attrgetter(*columns)
    left_out = operator.attrgetter(*(name for name in _COLUMNS if name not in columns))
    rows = []
    for message in messages:
        if any(value is not None for value in left_out(message)):
            raise ValueError(f"message {message.id} has values outside the columns written")
        row = dict(zip(columns, values_of(message), strict=True))
        for name in _ENUMS:
            row[name] = row[name].value
        rows.append(row)
    return rows


def _message(row: Any) -> Message:
    m = row._mapping
    fields = {name: m[name] for name in _COLUMNS}
    for name, enum in _ENUMS.items():
        fields[name] = enum(fields[name])
    fields["id"] = MessageId(fields["id"])
    fields["tenant_id"] = TenantId(fields["tenant_id"])
    fields["patient_id"] = PatientId(fields["patient_id"]) if fields["patient_id"] else None
    return Message(**fields)


def _attempt(row: Any) -> Attempt:
    m = row._mapping
    return Attempt(
        tenant_id=TenantId(m["tenant_id"]),
        message_id=MessageId(m["message_id"]),
        number=m["number"],
        started_at=m["started_at"],
        finished_at=m["finished_at"],
        outcome=m["outcome"],
        provider=m["provider"],
        provider_message_id=m["provider_message_id"],
        error_code=m["error_code"],
        error=m["error"],
    )


def _attempt_row(attempt: Attempt) -> dict[str, Any]:
    return {
        "tenant_id": attempt.tenant_id,
        "message_id": attempt.message_id,
        "number": attempt.number,
        "started_at": attempt.started_at,
        **{name: getattr(attempt, name) for name in _ATTEMPT_UPDATED},
    }


_SAVE = (
    sa.update(_m)
    .where(_m.c.tenant_id == sa.bindparam("k_tenant"), _m.c.id == sa.bindparam("k_id"))
    .where(_m.c.version == sa.bindparam("k_version"))
    .values({name: sa.bindparam(f"v_{name}") for name in (*_UPDATED, "version")})
)
_SAVE_ATTEMPT = (
    sa.update(_a)
    .where(
        _a.c.tenant_id == sa.bindparam("k_tenant"),
        _a.c.message_id == sa.bindparam("k_message"),
        _a.c.number == sa.bindparam("k_number"),
    )
    .values({name: sa.bindparam(f"v_{name}") for name in _ATTEMPT_UPDATED})
)


class SqlMessageRepository(MessageRepository):
    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def _mine(self, *conditions: sa.ColumnElement[bool]) -> sa.Select[Any]:
        return sa.select(_m).where(_m.c.tenant_id == self._tenant_id, *conditions)

    async def _one(self, *conditions: sa.ColumnElement[bool]) -> Message | None:
        row = (await self._connection.execute(self._mine(*conditions).limit(1))).first()
        return _message(row) if row else None

    async def _locked(self, statement: sa.Select[Any], *, skip_locked: bool = False) -> list[Message]:
        await self._connection.lock_for_writing()
        rows = await self._connection.execute(statement.with_for_update(skip_locked=skip_locked))
        return [_message(r) for r in rows]

    async def add(self, message: Message) -> None:
        await self._connection.execute(sa.insert(_m), message_row(message))

    async def get(self, message_id: MessageId) -> Message | None:
        return await self._one(_m.c.id == message_id)

    async def by_dedup_key(self, dedup_key: str) -> Message | None:
        return await self._one(_m.c.dedup_key == dedup_key)

    async def by_provider_id(self, provider: str, provider_message_id: str) -> Message | None:
        return await self._one(_m.c.provider == provider, _m.c.provider_message_id == provider_message_id)

    async def save(self, message: Message, *, expected_version: int) -> None:
        await self.save_many([(message, expected_version)])

    async def save_many(self, messages: Sequence[tuple[Message, int]]) -> None:
        if not messages:
            return
        parameters = []
        for message, expected in messages:
            row = message_row(message)
            values = {f"v_{name}": row[name] for name in _UPDATED}
            parameters.append(
                {"k_tenant": self._tenant_id, "k_id": message.id, "k_version": expected, "v_version": expected + 1}
                | values
            )
        changed = (await self._connection.execute(_SAVE, parameters)).rowcount
        if changed != len(parameters):
            raise StaleVersion("a communication was changed by someone else meanwhile")
        for message, expected in messages:
            message.version = expected + 1

    async def remove(self, message_id: MessageId) -> None:
        tenant = self._tenant_id
        await self._connection.execute(sa.delete(_a).where(_a.c.tenant_id == tenant, _a.c.message_id == message_id))
        await self._connection.execute(sa.delete(_m).where(_m.c.tenant_id == tenant, _m.c.id == message_id))

    async def claim_due(self, now: datetime, limit: int) -> Sequence[Message]:
        statement = (
            self._mine(
                _m.c.status.in_([MessageStatus.QUEUED.value, MessageStatus.SCHEDULED.value]),
                _m.c.due_at <= now,
            )
            .order_by(_m.c.due_at)
            .limit(literal(limit))
        )
        return await self._locked(statement, skip_locked=True)

    async def claim_stale(self, now: datetime, limit: int) -> Sequence[Message]:
        statement = (
            self._mine(_m.c.status == MessageStatus.SENDING.value, _m.c.due_at <= now)
            .order_by(_m.c.due_at)
            .limit(literal(limit))
        )
        return await self._locked(statement, skip_locked=True)

    async def lock(self, message_ids: Sequence[MessageId]) -> Sequence[Message]:
        if not message_ids:
            return []
        return await self._locked(self._mine(_m.c.id.in_(list(message_ids))).order_by(_m.c.id))

    async def earliest_due(self) -> datetime | None:
        statement = sa.select(sa.func.min(_m.c.due_at)).where(
            _m.c.tenant_id == self._tenant_id,
            _m.c.status.in_([MessageStatus.QUEUED.value, MessageStatus.SCHEDULED.value]),
        )
        value = (await self._connection.execute(statement)).scalar_one_or_none()
        return value if isinstance(value, datetime) else None

    async def unsent_of_appointment(self, appointment_id: UUID, categories: Sequence[str]) -> Sequence[Message]:
        statement = self._mine(
            _m.c.appointment_id == appointment_id,
            _m.c.category.in_(list(categories)),
            _m.c.status.in_([s.value for s in UNSENT]),
        )
        return await self._locked(statement)

    async def add_attempts(self, attempts: Sequence[Attempt]) -> None:
        if attempts:
            await self._connection.execute(sa.insert(_a), [_attempt_row(a) for a in attempts])

    async def save_attempts(self, attempts: Sequence[Attempt]) -> None:
        if not attempts:
            return
        parameters = [
            {"k_tenant": self._tenant_id, "k_message": a.message_id, "k_number": a.number}
            | {f"v_{name}": getattr(a, name) for name in _ATTEMPT_UPDATED}
            for a in attempts
        ]
        await self._connection.execute(_SAVE_ATTEMPT, parameters)

    async def last_attempts(self, message_ids: Sequence[MessageId]) -> Mapping[MessageId, Attempt]:
        if not message_ids:
            return {}
        statement = (
            sa.select(_a)
            .where(_a.c.tenant_id == self._tenant_id, _a.c.message_id.in_(list(message_ids)))
            .order_by(_a.c.message_id, _a.c.number)
        )
        return {MessageId(r.message_id): _attempt(r) for r in await self._connection.execute(statement)}

    async def record_callback(
        self,
        *,
        message_id: MessageId | None,
        provider: str,
        provider_message_id: str,
        status: MessageStatus,
        occurred_at: datetime,
        error_code: str | None,
        applied: bool,
        received_at: datetime,
    ) -> None:
        self._connection.defer(
            sa.insert(_c),
            {
                "tenant_id": self._tenant_id,
                "id": new_id(),
                "message_id": message_id,
                "provider": provider,
                "provider_message_id": provider_message_id[:255],
                "status": status.value,
                "occurred_at": occurred_at,
                "error_code": error_code,
                "applied": applied,
                "received_at": received_at,
            },
        )


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
        return await fetch_page(self._connection, _m, self._where(where), [_m.c.id.desc()], page, _message)

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
        return await fetch_page(self._connection, _m, conditions, [_m.c.id.desc()], page, _message)

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
        return Page([_message(r) for r in rows], total, page.page, page.page_size, total_exact=exact)

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
        return await fetch_page(self._connection, _m, self._where(where), [_m.c.id.desc()], page, _message)
