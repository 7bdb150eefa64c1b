"""SQL adapters of the inbox part: threads (``communication_threads``), inbound receipts, and the
inbound side of ``communication_messages`` (the messages part's table, read and written here
through its table module).

Built with the caller's ``TenantId``, which every statement carries.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from prm.adapters.sql.communications_inbox_tables import communication_inbound_receipts, communication_threads
from prm.adapters.sql.communications_messages_tables import communication_messages
from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.paging import fetch_page
from prm.application.communications.inbox_ports import (
    InboxMessages,
    SentTo,
    StoredInbound,
    ThreadFilter,
    ThreadMessage,
    ThreadRepository,
)
from prm.application.shared.paging import Page, PageRequest
from prm.domain.communications.channels import Channel, Direction, MessageStatus
from prm.domain.communications.inbox import RecentOutbound
from prm.domain.communications.threads import StaffUserId, Thread, ThreadId, ThreadStatus
from prm.domain.shared.errors import Conflict, StaleVersion
from prm.domain.shared.ids import PatientId, TenantId

_t = communication_threads
_r = communication_inbound_receipts
_m = communication_messages

TOOK = (MessageStatus.SENT.value, MessageStatus.DELIVERED.value, MessageStatus.READ.value)
"""Statuses of an outbound message the provider took."""


class ThreadCollision(Conflict):
    """Two inbound messages started the same thread at once; the provider's retry will find it."""

    code = "communications.thread_collision"


def _thread_row(t: Thread) -> dict[str, Any]:
    return {
        "tenant_id": t.tenant_id,
        "id": t.id,
        "patient_id": t.patient_id,
        "channel": t.channel.value,
        "address": t.address,
        "unmatched_address": t.address if t.patient_id is None else None,
        "candidate_patient_ids": [str(p) for p in t.candidate_patient_ids],
        "status": t.status.value,
        "assigned_to": t.assigned_to,
        "unread_count": t.unread_count,
        "last_message_at": t.last_message_at,
        "last_inbound_at": t.last_inbound_at,
        "version": t.version,
        "created_at": t.created_at,
        "updated_at": t.updated_at,
    }


def _thread(row: Any) -> Thread:
    m = row._mapping
    return Thread(
        id=ThreadId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        patient_id=PatientId(m["patient_id"]) if m["patient_id"] is not None else None,
        channel=Channel(m["channel"]),
        address=m["address"],
        status=ThreadStatus(m["status"]),
        assigned_to=StaffUserId(m["assigned_to"]) if m["assigned_to"] is not None else None,
        unread_count=m["unread_count"],
        last_message_at=m["last_message_at"],
        last_inbound_at=m["last_inbound_at"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        candidate_patient_ids=tuple(PatientId(UUID(p)) for p in m["candidate_patient_ids"] or ()),
        version=m["version"],
    )


class SqlThreadRepository(ThreadRepository):
    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def _one(self, *where: sa.ColumnElement[bool]) -> Thread | None:
        row = (await self._connection.execute(sa.select(_t).where(_t.c.tenant_id == self._tenant_id, *where))).first()
        return _thread(row) if row is not None else None

    async def add(self, thread: Thread) -> None:
        try:
            await self._connection.execute(sa.insert(_t), _thread_row(thread))
        except IntegrityError as exc:
            raise ThreadCollision("the conversation's thread was started meanwhile: try again") from exc

    async def get(self, thread_id: ThreadId) -> Thread | None:
        return await self._one(_t.c.id == thread_id)

    async def of_patient(self, patient_id: PatientId, channel: Channel) -> Thread | None:
        return await self._one(_t.c.patient_id == patient_id, _t.c.channel == channel.value)

    async def unmatched(self, channel: Channel, address: str) -> Thread | None:
        return await self._one(_t.c.channel == channel.value, _t.c.unmatched_address == address)

    async def save(self, thread: Thread, *, expected_version: int) -> None:
        thread.version = expected_version + 1
        row = _thread_row(thread)
        for key in ("tenant_id", "id", "created_at"):
            row.pop(key)
        statement = (
            sa.update(_t)
            .where(_t.c.tenant_id == self._tenant_id, _t.c.id == thread.id, _t.c.version == expected_version)
            .values(row)
        )
        try:
            changed = (await self._connection.execute(statement)).rowcount
        except IntegrityError as exc:
            raise ThreadCollision("the patient's thread on this channel was started meanwhile: try again") from exc
        if changed != 1:
            raise StaleVersion(f"thread {thread.id} was changed meanwhile")
        thread.changed.clear()

    async def remove(self, thread_id: ThreadId) -> None:
        await self._connection.execute(sa.delete(_t).where(_t.c.tenant_id == self._tenant_id, _t.c.id == thread_id))

    async def list_page(self, where: ThreadFilter, page: PageRequest) -> Page[Thread]:
        clauses: list[sa.ColumnElement[bool]] = [_t.c.tenant_id == self._tenant_id]
        if where.patient_id is not None:
            clauses.append(_t.c.patient_id == where.patient_id)
        if where.channel is not None:
            clauses.append(_t.c.channel == where.channel.value)
        if where.assigned_to is not None:
            clauses.append(_t.c.assigned_to == where.assigned_to)
        if where.status is not None:
            clauses.append(_t.c.status == where.status.value)
        if where.unread is True:
            clauses.append(_t.c.unread_count > 0)
        elif where.unread is False:
            clauses.append(_t.c.unread_count == 0)
        if where.unmatched is True:
            clauses.append(_t.c.patient_id.is_(None))
        elif where.unmatched is False:
            clauses.append(_t.c.patient_id.is_not(None))
        order = [_t.c.last_message_at.desc(), _t.c.id.desc()]
        return await fetch_page(self._connection, _t, clauses, order, page, _thread)


def _thread_message(row: Any) -> ThreadMessage:
    m = row._mapping
    return ThreadMessage(
        id=m["id"],
        direction=Direction(m["direction"]),
        channel=Channel(m["channel"]),
        status=MessageStatus(m["status"]),
        sender=m["sender"],
        recipient=m["recipient"],
        subject=m["subject"],
        body=m["body"],
        category=m["category"],
        status_reason=m["status_reason"],
        reply_to_id=m["reply_to_id"],
        created_at=m["created_at"],
        received_at=m["received_at"],
        sent_at=m["sent_at"],
        read_at=m["read_at"],
    )


_THREAD_MESSAGE_COLUMNS: Sequence[sa.ColumnElement[Any]] = [
    _m.c[name]
    for name in (
        "id",
        "direction",
        "channel",
        "status",
        "sender",
        "recipient",
        "subject",
        "body",
        "category",
        "status_reason",
        "reply_to_id",
        "created_at",
        "received_at",
        "sent_at",
        "read_at",
    )
]


class SqlInboxMessages(InboxMessages):
    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def first_receipt(self, provider: str, provider_message_id: str, message_id: UUID, at: datetime) -> bool:
        row = {
            "tenant_id": self._tenant_id,
            "provider": provider,
            "provider_message_id": provider_message_id,
            "message_id": message_id,
            "received_at": at,
        }
        # ON CONFLICT DO NOTHING: a concurrent redelivery neither fails nor aborts the transaction.
        insert = postgresql.insert(_r) if self._connection.dialect.name == "postgresql" else sqlite.insert(_r)
        result = await self._connection.execute(insert.on_conflict_do_nothing(), row)
        return result.rowcount == 1

    async def store(self, inbound: StoredInbound) -> None:
        message = inbound.message
        await self._connection.execute(
            sa.insert(_m),
            {
                "tenant_id": self._tenant_id,
                "id": inbound.id,
                "patient_id": inbound.patient_id,
                "direction": Direction.INBOUND.value,
                "channel": message.channel.value,
                "recipient": message.recipient,
                "sender": message.sender,
                "subject": message.subject,
                "body": message.body,
                "category": "general",
                "status": MessageStatus.RECEIVED.value,
                "received_at": message.received_at,
                "provider": message.provider,
                "provider_message_id": message.provider_message_id,
                "attempts": 0,
                "thread_id": inbound.thread_id,
                "reply_to_id": inbound.reply_to_id,
                "version": 1,
                "created_at": inbound.stored_at,
                "updated_at": inbound.stored_at,
            },
        )
        self._connection.defer(
            sa.update(_r)
            .where(
                _r.c.tenant_id == self._tenant_id,
                _r.c.provider == message.provider,
                _r.c.provider_message_id == message.provider_message_id,
            )
            .values(handled_as=inbound.handled_as)
        )

    def _outbound(self, *where: sa.ColumnElement[bool]) -> sa.Select[Any]:
        return (
            sa.select(_m.c.id, _m.c.patient_id, _m.c.category, _m.c.appointment_id, _m.c.sent_at)
            .where(
                _m.c.tenant_id == self._tenant_id,
                _m.c.direction == Direction.OUTBOUND.value,
                _m.c.status.in_(TOOK),
                *where,
            )
            .order_by(_m.c.sent_at.desc(), _m.c.id.desc())
            .limit(1)
        )

    async def sent_by_provider_id(self, provider: str, provider_message_id: str) -> SentTo | None:
        row = (
            await self._connection.execute(
                sa.select(_m.c.id, _m.c.patient_id).where(
                    _m.c.tenant_id == self._tenant_id,
                    _m.c.provider == provider,
                    _m.c.provider_message_id == provider_message_id,
                    _m.c.direction == Direction.OUTBOUND.value,
                )
            )
        ).first()
        return SentTo(row.id, row.patient_id) if row is not None else None

    async def last_sent_to_address(self, channel: Channel, address: str, since: datetime) -> SentTo | None:
        row = (
            await self._connection.execute(
                self._outbound(_m.c.channel == channel.value, _m.c.recipient == address, _m.c.sent_at >= since)
            )
        ).first()
        return SentTo(row.id, row.patient_id) if row is not None else None

    async def last_sent_to_patient(
        self, patient_id: PatientId, channel: Channel, since: datetime
    ) -> RecentOutbound | None:
        row = (
            await self._connection.execute(
                self._outbound(_m.c.patient_id == patient_id, _m.c.channel == channel.value, _m.c.sent_at >= since)
            )
        ).first()
        if row is None:
            return None
        return RecentOutbound(row.id, row.category, row.appointment_id, row.sent_at)

    async def of_thread(self, thread_id: ThreadId, page: PageRequest) -> Page[ThreadMessage]:
        where = [_m.c.tenant_id == self._tenant_id, _m.c.thread_id == thread_id]
        order = [_m.c.created_at.desc(), _m.c.id.desc()]
        return await fetch_page(self._connection, _m, where, order, page, _thread_message, _THREAD_MESSAGE_COLUMNS)

    async def mark_read(self, thread_id: ThreadId, at: datetime) -> int:
        result = await self._connection.execute(
            sa.update(_m)
            .where(
                _m.c.tenant_id == self._tenant_id,
                _m.c.thread_id == thread_id,
                _m.c.direction == Direction.INBOUND.value,
                _m.c.status == MessageStatus.RECEIVED.value,
            )
            .values(status=MessageStatus.READ.value, read_at=at, updated_at=at, version=_m.c.version + 1)
        )
        return result.rowcount

    async def move(self, source: ThreadId, target: ThreadId, patient_id: PatientId) -> int:
        mine = (_m.c.tenant_id == self._tenant_id, _m.c.thread_id == source)
        await self._connection.execute(
            sa.update(_m)
            .where(*mine, _m.c.direction == Direction.INBOUND.value, _m.c.patient_id.is_(None))
            .values(patient_id=patient_id, version=_m.c.version + 1)
        )
        result = await self._connection.execute(sa.update(_m).where(*mine).values(thread_id=target))
        return result.rowcount
