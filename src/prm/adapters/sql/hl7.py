"""SQL adapters of the hl7 context: the message repository and finder, the SIU appointment links
(built with the caller's ``TenantId``, which is in every statement), and the savepoint that makes
applying a message all or nothing.

A message is inserted at once with ``ON CONFLICT DO NOTHING`` on the unique key (tenant, sending
facility, control id): a repeat, even one delivered concurrently, writes nothing and leaves the
transaction usable (the caller then reads the stored one).
"""

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.hl7_tables import hl7_appointment_links, hl7_messages
from prm.adapters.sql.paging import fetch_page
from prm.adapters.sql.unit_of_work import SqlUnitOfWork
from prm.application.hl7.ports import (
    ApplyScope,
    AppointmentLinks,
    Hl7MessageCriteria,
    Hl7MessageFinder,
    Hl7MessageRepository,
    Hl7MessageSummary,
)
from prm.application.shared.paging import Page, PageRequest
from prm.application.shared.ports import Clock
from prm.domain.hl7.model import (
    AckCode,
    Hl7Change,
    Hl7Error,
    Hl7ErrorCode,
    Hl7Header,
    Hl7Message,
    Hl7MessageId,
    Hl7Status,
)
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import TenantId

_c = hl7_messages.c
_OUTCOME = ("status", "ack_code", "errors", "changes", "processed_at", "version")
_ORDER = (_c.received_at.desc(), _c.id.desc())
_KEY = ["tenant_id", "sending_facility", "dedup_key"]


def _errors(errors: tuple[Hl7Error, ...]) -> list[dict[str, Any]]:
    return [{"segment": e.segment, "field": e.field, "code": e.code.value, "text": e.text} for e in errors]


def _changes(changes: tuple[Hl7Change, ...]) -> list[dict[str, Any]]:
    return [{"entity": c.entity, "entity_id": str(c.entity_id), "action": c.action} for c in changes]


def _to_row(message: Hl7Message) -> dict[str, Any]:
    h = message.header
    return {
        "tenant_id": message.tenant_id,
        "id": message.id,
        "control_id": h.control_id,
        "dedup_key": message.dedup_key,
        "message_type": h.message_type,
        "hl7_version": h.version,
        "sending_application": h.sending_application,
        "sending_facility": h.sending_facility,
        "raw": message.raw,
        "status": message.status.value,
        "ack_code": message.ack_code.value,
        "errors": _errors(message.errors),
        "changes": _changes(message.changes),
        "sender_message_id": message.sender_message_id,
        "correlation_id": message.correlation_id,
        "received_at": message.received_at,
        "processed_at": message.processed_at,
        "version": message.version,
    }


def _header(m: Mapping[str, Any]) -> Hl7Header:
    return Hl7Header(
        sending_application=m["sending_application"],
        sending_facility=m["sending_facility"],
        message_type=m["message_type"],
        control_id=m["control_id"],
        version=m["hl7_version"],
    )


def _from_row(row: Any) -> Hl7Message:
    m = row._mapping
    return Hl7Message(
        id=Hl7MessageId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        header=_header(m),
        raw=m["raw"],
        status=Hl7Status(m["status"]),
        ack_code=AckCode(m["ack_code"]),
        received_at=m["received_at"],
        sender_message_id=m["sender_message_id"],
        correlation_id=m["correlation_id"],
        errors=tuple(Hl7Error(e["segment"], e["field"], Hl7ErrorCode(e["code"]), e["text"]) for e in m["errors"]),
        changes=tuple(Hl7Change(c["entity"], UUID(c["entity_id"]), c["action"]) for c in m["changes"]),
        processed_at=m["processed_at"],
        version=m["version"],
    )


_SUMMARY_COLUMNS = tuple(c for c in hl7_messages.columns if c.name not in {"raw", "tenant_id"})


def _summary(row: Any) -> Hl7MessageSummary:
    m = row._mapping
    return Hl7MessageSummary(
        id=Hl7MessageId(m["id"]),
        header=_header(m),
        status=Hl7Status(m["status"]),
        ack_code=AckCode(m["ack_code"]),
        received_at=m["received_at"],
        processed_at=m["processed_at"],
        error_count=len(m["errors"]),
        change_count=len(m["changes"]),
    )


_SAVE = (
    sa.update(hl7_messages)
    .where(
        _c.tenant_id == sa.bindparam("b_tenant_id"),
        _c.id == sa.bindparam("b_id"),
        _c.version == sa.bindparam("b_version"),
    )
    .values({name: sa.bindparam(name) for name in _OUTCOME})
)


_ADD_POSTGRES = postgresql.insert(hl7_messages).on_conflict_do_nothing(index_elements=_KEY)
_ADD_SQLITE = sqlite.insert(hl7_messages).on_conflict_do_nothing(index_elements=_KEY)
"""A message, unless its key (sending facility, control id) is taken: built once."""


class SqlHl7Messages(Hl7MessageRepository, Hl7MessageFinder):
    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def add_many(self, messages: Sequence[Hl7Message]) -> frozenset[Hl7MessageId]:
        if not messages:
            return frozenset()
        statement = _ADD_POSTGRES if self._connection.dialect.name == "postgresql" else _ADD_SQLITE
        result = await self._connection.execute(statement, [_to_row(m) for m in messages])
        ids = [m.id for m in messages]
        if result.rowcount == len(messages):
            return frozenset(ids)
        written = sa.select(_c.id).where(_c.tenant_id == self._tenant_id, _c.id.in_(ids))  # only with repeats
        return frozenset(Hl7MessageId(row[0]) for row in (await self._connection.execute(written)).all())

    async def get(self, message_id: Hl7MessageId) -> Hl7Message | None:
        query = sa.select(hl7_messages).where(_c.tenant_id == self._tenant_id, _c.id == message_id)
        row = (await self._connection.execute(query)).first()
        return _from_row(row) if row else None

    async def get_by_key(self, sending_facility: str, control_id: str) -> Hl7Message | None:
        query = sa.select(hl7_messages).where(
            _c.tenant_id == self._tenant_id, _c.sending_facility == sending_facility, _c.dedup_key == control_id
        )
        row = (await self._connection.execute(query)).first()
        return _from_row(row) if row else None

    async def save(self, message: Hl7Message, *, expected_version: int) -> None:
        row = _to_row(message)
        parameters = {
            "b_tenant_id": self._tenant_id,
            "b_id": message.id,
            "b_version": expected_version,
            **{name: row[name] for name in _OUTCOME},
        }
        result = await self._connection.execute(_SAVE, parameters)
        if result.rowcount == 0:
            raise StaleVersion("the HL7 message was changed meanwhile: apply it again")

    async def find(self, criteria: Hl7MessageCriteria, page: PageRequest) -> Page[Hl7MessageSummary]:
        where: list[sa.ColumnElement[bool]] = [_c.tenant_id == self._tenant_id]
        if criteria.status is not None:
            where.append(_c.status == criteria.status.value)
        if criteria.message_type is not None:
            where.append(_c.message_type == criteria.message_type)
        if criteria.control_id is not None:
            where.append(_c.control_id == criteria.control_id)
        if criteria.received_from is not None:
            where.append(_c.received_at >= criteria.received_from)
        if criteria.received_to is not None:
            where.append(_c.received_at < criteria.received_to)
        return await fetch_page(self._connection, hl7_messages, where, _ORDER, page, _summary, _SUMMARY_COLUMNS)

    async def latest_by_control_id(self, control_id: str) -> Hl7Message | None:
        query = (
            sa.select(hl7_messages)
            .where(_c.tenant_id == self._tenant_id, _c.control_id == control_id)
            .order_by(*_ORDER)
            .limit(1)
        )
        row = (await self._connection.execute(query)).first()
        return _from_row(row) if row else None


_l = hl7_appointment_links.c
_LINK_KEY = ["tenant_id", "sending_facility", "kind", "external_id"]


class SqlAppointmentLinks(AppointmentLinks):
    """``hl7_appointment_links``: ``kind`` ``placer`` (SCH-1) or ``filler`` (SCH-2)."""

    def __init__(self, connection: SqlConnection, tenant_id: TenantId, clock: Clock) -> None:
        self._connection = connection
        self._tenant_id = tenant_id
        self._clock = clock

    async def find(self, sending_facility: str, placer_id: str, filler_id: str) -> UUID | None:
        keys = [(kind, value) for kind, value in (("placer", placer_id), ("filler", filler_id)) if value]
        if not keys:
            return None
        query = sa.select(_l.kind, _l.appointment_id).where(
            _l.tenant_id == self._tenant_id,
            _l.sending_facility == sending_facility,
            sa.or_(*(sa.and_(_l.kind == kind, _l.external_id == value) for kind, value in keys)),
        )
        found = {row.kind: row.appointment_id for row in (await self._connection.execute(query)).all()}
        linked = found.get("placer") or found.get("filler")
        return UUID(str(linked)) if linked is not None else None

    async def link(self, sending_facility: str, placer_id: str, filler_id: str, appointment_id: UUID) -> None:
        now = self._clock.now()
        rows = [
            {
                "tenant_id": self._tenant_id,
                "sending_facility": sending_facility,
                "kind": kind,
                "external_id": value,
                "appointment_id": appointment_id,
                "created_at": now,
            }
            for kind, value in (("placer", placer_id), ("filler", filler_id))
            if value
        ]
        if not rows:
            return
        dialect = postgresql if self._connection.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(hl7_appointment_links).on_conflict_do_nothing(index_elements=_LINK_KEY)
        for row in rows:
            await self._connection.execute(statement.values(row))


class SqlApplyScope(ApplyScope):
    """A ``SAVEPOINT`` around the block, with the unit of work held (the use cases' commits join
    the caller's). On an error: ``ROLLBACK TO SAVEPOINT``, and the audit and outbox rows the unit
    deferred inside the block are dropped with it. SQLite takes its write lock first (``BEGIN
    IMMEDIATE``): the block writes."""

    _NAME = "hl7_apply"

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def attempt(self) -> AbstractAsyncContextManager[None]:
        return self._attempt()

    @asynccontextmanager
    async def _attempt(self) -> AsyncIterator[None]:
        async with self._uow.savepoint(self._NAME):
            yield
