"""What every context's timeline source shares (see
:mod:`prm.application.patients.timeline_ports`): each source is a ``UNION ALL`` of branches, one
per kind of event, of the same columns (:func:`branch`), read newest first past a cursor in one
statement (:class:`TimelineStatement`).

Each branch reads one patient's rows through its table's ``(tenant_id, patient_id, ...)`` index,
so the work is that patient's rows of the context (hundreds, not the tenant's millions), and each
branch is also cut at the cursor's time, so later pages read less.

The statements are built once per source, page size and first/later page, with the tenant, the
patient and the cursor as bound parameters (:data:`TENANT`, :data:`PATIENT`, :data:`AT`, ...):
building and compiling a union of five selects costs more than running it (3 ms against 0.5 ms
measured), so it is done once, not per request.
"""

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.paging import literal
from prm.adapters.sql.types import UtcDateTime
from prm.application.patients.timeline_ports import TimelineEntry, TimelineKind, TimelinePosition
from prm.domain.shared.ids import PatientId, TenantId

DETAILS = ("a", "b", "c")
"""The free columns of a branch, named by each source (:data:`Namer`)."""

TENANT = sa.bindparam("timeline_tenant_id", type_=sa.Uuid)
PATIENT = sa.bindparam("timeline_patient_id", type_=sa.Uuid)
AT = sa.bindparam("timeline_at", type_=UtcDateTime)
EVENT = sa.bindparam("timeline_event", type_=sa.String)
ID = sa.bindparam("timeline_id", type_=sa.Uuid)


def branch(
    event: str,
    at: sa.ColumnElement[Any],
    entry_id: sa.ColumnElement[Any],
    where: Sequence[sa.ColumnElement[bool]],
    positioned: bool,
    *,
    ref_id: sa.ColumnElement[Any] | None = None,
    ref_at: sa.ColumnElement[Any] | None = None,
    details: Sequence[sa.ColumnElement[Any] | None] = (),
    select_from: sa.FromClause | None = None,
) -> sa.Select[Any]:
    """One kind of event (``event``, a constant name) at ``at`` about ``entry_id``, for the rows
    ``where`` holds (written with :data:`TENANT` and :data:`PATIENT`); up to three ``details``
    (text, ``None`` for none). ``positioned``: cut at the cursor's time (:data:`AT`)."""
    texts = [*details, *([None] * (len(DETAILS) - len(details)))]
    columns: list[sa.ColumnElement[Any]] = [
        sa.type_coerce(at, UtcDateTime).label("at"),
        sa.literal_column(f"'{event}'", sa.String).label("event"),
        entry_id.label("id"),
        (ref_id if ref_id is not None else sa.cast(sa.null(), sa.Uuid)).label("ref_id"),
        sa.type_coerce(ref_at if ref_at is not None else sa.cast(sa.null(), UtcDateTime), UtcDateTime).label("ref_at"),
        *(
            (sa.cast(text, sa.String) if text is not None else sa.cast(sa.null(), sa.String)).label(name)
            for name, text in zip(DETAILS, texts, strict=True)
        ),
    ]
    conditions = [*where, at.is_not(None)]
    if positioned:
        conditions.append(at <= AT)
    statement = sa.select(*columns).where(*conditions)
    return statement.select_from(select_from) if select_from is not None else statement


Namer = Callable[[str, Mapping[str, Any]], Mapping[str, str | None]]
"""Turns a row's event and free columns (``a``, ``b``, ``c``) into the entry's named details."""


class TimelineStatement:
    """One source's statement: ``branches(positioned)`` builds its branches; each (page size,
    first or later page) is built once and kept (at most :data:`MAX_VARIANTS` of them)."""

    MAX_VARIANTS = 512

    def __init__(self, kind: TimelineKind, branches: Callable[[bool], Sequence[sa.Select[Any]]], names: Namer) -> None:
        self._kind = kind
        self._branches = branches
        self._names = names
        self._built: dict[tuple[bool, int], sa.Select[Any]] = {}

    def _statement(self, positioned: bool, limit: int) -> sa.Select[Any]:
        statement = self._built.get((positioned, limit))
        if statement is None:
            rows = sa.union_all(*self._branches(positioned)).subquery("timeline")
            statement = (
                sa.select(rows).order_by(rows.c.at.desc(), rows.c.event.desc(), rows.c.id.desc()).limit(literal(limit))
            )
            if positioned:
                statement = statement.where(sa.tuple_(rows.c.at, rows.c.event, rows.c.id) < sa.tuple_(AT, EVENT, ID))
            if len(self._built) < self.MAX_VARIANTS:
                self._built[(positioned, limit)] = statement
        return statement

    async def read(
        self,
        connection: SqlConnection,
        tenant_id: TenantId,
        patient_id: PatientId,
        position: TimelinePosition | None,
        limit: int,
    ) -> list[TimelineEntry]:
        """The patient's entries after ``position``, newest first by ``(at, event, id)``, at most ``limit``."""
        parameters: dict[str, Any] = {"timeline_tenant_id": tenant_id, "timeline_patient_id": patient_id}
        if position is not None:
            parameters |= {"timeline_at": position.at, "timeline_event": position.event, "timeline_id": position.id}
        found = []
        for row in await connection.execute(self._statement(position is not None, limit), parameters):
            m = row._mapping
            found.append(
                TimelineEntry(
                    at=_aware(m["at"]),
                    kind=self._kind,
                    event=m["event"],
                    id=_uuid(m["id"]),
                    ref_id=_uuid(m["ref_id"]) if m["ref_id"] is not None else None,
                    ref_at=_aware(m["ref_at"]) if m["ref_at"] is not None else None,
                    details=self._names(m["event"], {name: m[name] for name in DETAILS}),
                )
            )
        return found


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
