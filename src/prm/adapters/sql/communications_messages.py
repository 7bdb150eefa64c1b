"""SQL adapters of the messages part: the tenant's messages (the send queue too), their
attempts and callbacks. The read side (lists, counts, full-text search) is in
``communications_messages_queries``.

Every statement names the tenant it was built for. Claims and locks are ``FOR UPDATE`` (``SKIP
LOCKED`` for the queue) on PostgreSQL; on SQLite, which has one writer at a time, they take the
database's write lock first (``lock_for_writing``).
"""

import operator
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
from prm.adapters.sql.paging import literal
from prm.application.communications.messages_ports import MessageRepository
from prm.domain.communications.channels import Channel, Direction, MessageStatus
from prm.domain.communications.messages import UNSENT, Attempt, Message, MessageId
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PatientId, TenantId, new_id

_m = communication_messages
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


def message_of(row: Any) -> Message:
    """The :class:`Message` of a ``communication_messages`` row (every column selected)."""
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
        return message_of(row) if row else None

    async def _locked(self, statement: sa.Select[Any], *, skip_locked: bool = False) -> list[Message]:
        await self._connection.lock_for_writing()
        rows = await self._connection.execute(statement.with_for_update(skip_locked=skip_locked))
        return [message_of(r) for r in rows]

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
