"""SQL adapters of the tickets context: the repository (aggregates, their activity and comments),
the finder (lists) and the tenant's SLA policy.

All are built with the caller's ``TenantId`` and put it in every statement. Rows and aggregates
are mapped field by field. Opening with a ``dedup_key`` inserts with ``ON CONFLICT DO NOTHING``
on ``(tenant_id, dedup_key)``: a concurrent call that stored the key first wins, and this one
gets its ticket's id (no error, so the caller's transaction goes on).
"""

from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.paging import fetch_page, literal
from prm.adapters.sql.tickets_tables import ticket_activity, ticket_comments, ticket_sla_policies, tickets
from prm.application.shared.paging import Page, PageRequest
from prm.application.tickets.ports import SlaPolicies, TicketCriteria, TicketFinder, TicketRepository
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PatientId, TenantId
from prm.domain.tickets.codes import TicketPriority, TicketSource, TicketStatus
from prm.domain.tickets.history import ActivityEntry, Actor, TicketComment
from prm.domain.tickets.ids import TicketCommentId, TicketId, UserId
from prm.domain.tickets.model import Ticket
from prm.domain.tickets.sla import WEEKDAYS, BusinessHours, Escalation, EscalationAction, SlaPolicy, SlaTarget

_t = tickets.c
_c = ticket_comments.c
_a = ticket_activity.c
_ACTIVE = (TicketStatus.OPEN.value, TicketStatus.IN_PROGRESS.value)

_FIELDS = (
    "patient_id",
    "title",
    "description",
    "category",
    "assigned_to",
    "assigned_team",
    "resolution_notes",
    "journey_instance_id",
    "survey_response_id",
    "dedup_key",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "first_response_due_at",
    "resolution_due_at",
    "first_response_breached_at",
    "resolution_breached_at",
    "version",
    "created_at",
    "updated_at",
)


def _to_row(ticket: Ticket) -> dict[str, Any]:
    row = {name: getattr(ticket, name) for name in _FIELDS}
    row.update(
        tenant_id=ticket.tenant_id,
        id=ticket.id,
        priority=ticket.priority.value,
        status=ticket.status.value,
        source=ticket.source.value,
    )
    return row


def _from_row(row: Any) -> Ticket:
    m = row._mapping
    values = {name: m[name] for name in _FIELDS}
    values["patient_id"] = PatientId(m["patient_id"])
    values["assigned_to"] = UserId(m["assigned_to"]) if m["assigned_to"] is not None else None
    return Ticket(
        id=TicketId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        priority=TicketPriority(m["priority"]),
        status=TicketStatus(m["status"]),
        source=TicketSource(m["source"]),
        **values,
    )


def _comment_from_row(row: Any) -> TicketComment:
    m = row._mapping
    return TicketComment(
        id=TicketCommentId(m["id"]),
        ticket_id=TicketId(m["ticket_id"]),
        author=Actor(m["author_kind"], m["author_id"]),
        body=m["body"],
        created_at=m["created_at"],
    )


def _activity_from_row(row: Any) -> ActivityEntry:
    m = row._mapping
    return ActivityEntry(
        id=m["id"],
        at=m["at"],
        actor=Actor(m["actor_kind"], m["actor_id"]),
        action=m["action"],
        field=m["field"],
        from_value=m["from_value"],
        to_value=m["to_value"],
    )


_UPDATABLE = tuple(c.name for c in tickets.columns if c.name not in {"tenant_id", "id", "created_at", "dedup_key"})


class SqlTicketRepository(TicketRepository):
    """Tickets of one tenant in ``tickets``, with ``ticket_activity`` and ``ticket_comments``."""

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def add(self, ticket: Ticket) -> TicketId:
        row = _to_row(ticket)
        if ticket.dedup_key is None:
            await self._connection.execute(sa.insert(tickets).values(**row))
        else:
            postgres = self._connection.dialect.name == "postgresql"
            insert = postgresql.insert(tickets) if postgres else sqlite.insert(tickets)
            result = await self._connection.execute(
                insert.values(**row).on_conflict_do_nothing(index_elements=["tenant_id", "dedup_key"])
            )
            if result.rowcount != 1:
                existing = await self.id_by_dedup_key(ticket.dedup_key)
                if existing is None:  # pragma: no cover - the conflicting row is committed, so visible
                    raise StaleVersion("another ticket with this dedup_key is being stored: try again")
                ticket.activity.clear()
                return existing
        await self._write_activity(ticket)
        return ticket.id

    async def get(self, ticket_id: TicketId) -> Ticket | None:
        statement = sa.select(tickets).where(_t.tenant_id == self._tenant_id, _t.id == ticket_id)
        row = (await self._connection.execute(statement)).first()
        return _from_row(row) if row else None

    async def id_by_dedup_key(self, dedup_key: str) -> TicketId | None:
        statement = sa.select(_t.id).where(_t.tenant_id == self._tenant_id, _t.dedup_key == dedup_key)
        found = (await self._connection.execute(statement)).scalar_one_or_none()
        return TicketId(found) if found is not None else None

    async def save(self, ticket: Ticket, *, expected_version: int) -> None:
        row = _to_row(ticket)
        result = await self._connection.execute(
            sa.update(tickets)
            .where(_t.tenant_id == self._tenant_id, _t.id == ticket.id, _t.version == expected_version)
            .values({c: row[c] for c in _UPDATABLE})
        )
        if result.rowcount != 1:
            raise StaleVersion("the ticket was changed by someone else: reload it and apply the change again")
        await self._write_activity(ticket)

    async def add_comment(self, comment: TicketComment) -> None:
        await self._connection.execute(
            sa.insert(ticket_comments).values(
                tenant_id=self._tenant_id,
                id=comment.id,
                ticket_id=comment.ticket_id,
                author_kind=comment.author.kind,
                author_id=comment.author.id,
                body=comment.body,
                created_at=comment.created_at,
            )
        )

    async def breach_candidates(self, now: datetime, limit: int) -> Sequence[Ticket]:
        first_response = sa.and_(
            _t.first_response_due_at <= now, _t.first_response_at.is_(None), _t.first_response_breached_at.is_(None)
        )
        resolution = sa.and_(_t.resolution_due_at <= now, _t.resolution_breached_at.is_(None))
        statement = (
            sa.select(tickets)
            .where(_t.tenant_id == self._tenant_id, _t.status.in_(_ACTIVE), sa.or_(first_response, resolution))
            .order_by(_t.id)
            .limit(literal(limit))
        )
        return [_from_row(row) for row in await self._connection.execute(statement)]

    async def _write_activity(self, ticket: Ticket) -> None:
        if not ticket.activity:
            return
        await self._connection.execute(
            sa.insert(ticket_activity),
            [
                {
                    "tenant_id": self._tenant_id,
                    "id": entry.id,
                    "ticket_id": ticket.id,
                    "at": entry.at,
                    "actor_kind": entry.actor.kind,
                    "actor_id": entry.actor.id,
                    "action": entry.action,
                    "field": entry.field,
                    "from_value": entry.from_value,
                    "to_value": entry.to_value,
                }
                for entry in ticket.activity
            ],
        )
        ticket.activity.clear()


_PATIENT_COUNTS = (
    sa.select(_t.status, sa.func.count())
    .where(
        _t.tenant_id == sa.bindparam("counts_tenant_id", type_=sa.Uuid),
        _t.patient_id == sa.bindparam("counts_patient_id", type_=sa.Uuid),
    )
    .group_by(_t.status)
)
"""Built once (a prepared statement): ``GET /patients/{id}`` reads it on every call."""


class SqlTicketFinder(TicketFinder):
    """Lists over one tenant's tickets, comments and activity."""

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def _conditions(self, criteria: TicketCriteria) -> list[sa.ColumnElement[bool]]:
        where: list[sa.ColumnElement[bool]] = [_t.tenant_id == self._tenant_id]
        exact = {
            _t.patient_id: criteria.patient_id,
            _t.status: criteria.status.value if criteria.status else None,
            _t.priority: criteria.priority.value if criteria.priority else None,
            _t.assigned_to: criteria.assigned_to,
            _t.assigned_team: criteria.assigned_team,
            _t.category: criteria.category,
            _t.journey_instance_id: criteria.journey_instance_id,
        }
        where += [column == value for column, value in exact.items() if value is not None]
        if criteria.statuses:
            where.append(_t.status.in_(sorted(s.value for s in criteria.statuses)))
        if criteria.overdue is not None and criteria.now is not None:
            overdue = sa.and_(
                _t.status.in_(_ACTIVE),
                sa.or_(
                    _t.resolution_due_at <= criteria.now,
                    sa.and_(_t.first_response_at.is_(None), _t.first_response_due_at <= criteria.now),
                ),
            )
            where.append(overdue if criteria.overdue else sa.not_(overdue))
        if criteria.title:
            escaped = criteria.title.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append(_t.title.ilike(f"%{escaped}%", escape="\\"))
        return where

    async def find(self, criteria: TicketCriteria, page: PageRequest) -> Page[Ticket]:
        return await fetch_page(self._connection, tickets, self._conditions(criteria), (_t.id.desc(),), page, _from_row)

    async def patient_counts(self, patient_id: PatientId) -> Mapping[TicketStatus, int]:
        parameters = {"counts_tenant_id": self._tenant_id, "counts_patient_id": patient_id}
        return {
            TicketStatus(status): int(n) for status, n in await self._connection.execute(_PATIENT_COUNTS, parameters)
        }

    async def comments(self, ticket_id: TicketId, page: PageRequest) -> Page[TicketComment]:
        where = [_c.tenant_id == self._tenant_id, _c.ticket_id == ticket_id]
        return await fetch_page(self._connection, ticket_comments, where, (_c.id,), page, _comment_from_row)

    async def activity(self, ticket_id: TicketId, page: PageRequest) -> Page[ActivityEntry]:
        where = [_a.tenant_id == self._tenant_id, _a.ticket_id == ticket_id]
        return await fetch_page(self._connection, ticket_activity, where, (_a.id,), page, _activity_from_row)


def _minutes(value: timedelta) -> int:
    return int(value.total_seconds() // 60)


def policy_document(policy: SlaPolicy) -> dict[str, Any]:
    """The policy as stored (JSON): targets in minutes, hours as ``HH:MM`` local wall times."""
    hours = policy.business_hours
    return {
        "targets": {
            p.value: {
                "first_response_minutes": _minutes(t.first_response),
                "resolution_minutes": _minutes(t.resolution),
            }
            for p, t in policy.targets.items()
        },
        "business_hours": None
        if hours is None
        else {
            "time_zone": hours.time_zone,
            "weekdays": [WEEKDAYS[d] for d in sorted(hours.weekdays)],
            "opens": hours.opens.isoformat(timespec="minutes"),
            "closes": hours.closes.isoformat(timespec="minutes"),
        },
        "escalation": {"action": policy.escalation.action.value, "team": policy.escalation.team},
    }


def policy_from_document(document: dict[str, Any]) -> SlaPolicy:
    hours = document.get("business_hours")
    escalation = document.get("escalation") or {}
    return SlaPolicy(
        targets={
            TicketPriority(p): SlaTarget(
                timedelta(minutes=t["first_response_minutes"]), timedelta(minutes=t["resolution_minutes"])
            )
            for p, t in document["targets"].items()
        },
        business_hours=None
        if not hours
        else BusinessHours(
            time_zone=hours["time_zone"],
            weekdays=frozenset(WEEKDAYS.index(d) for d in hours["weekdays"]),
            opens=time.fromisoformat(hours["opens"]),
            closes=time.fromisoformat(hours["closes"]),
        ),
        escalation=Escalation(
            EscalationAction(escalation.get("action", EscalationAction.RAISE_PRIORITY.value)), escalation.get("team")
        ),
    )


class SqlSlaPolicies(SlaPolicies):
    """The tenant's row of ``ticket_sla_policies``."""

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def get(self) -> SlaPolicy | None:
        statement = sa.select(ticket_sla_policies.c.policy).where(ticket_sla_policies.c.tenant_id == self._tenant_id)
        document = (await self._connection.execute(statement)).scalar_one_or_none()
        return policy_from_document(document) if document is not None else None

    async def put(self, policy: SlaPolicy, now: datetime) -> None:
        postgres = self._connection.dialect.name == "postgresql"
        insert = (postgresql.insert if postgres else sqlite.insert)(ticket_sla_policies).values(
            tenant_id=self._tenant_id, policy=policy_document(policy), updated_at=now
        )
        await self._connection.execute(
            insert.on_conflict_do_update(
                index_elements=["tenant_id"],
                set_={"policy": insert.excluded.policy, "updated_at": insert.excluded.updated_at},
            )
        )
