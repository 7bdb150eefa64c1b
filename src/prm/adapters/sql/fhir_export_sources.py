"""What a bulk export reads: one keyset-paged reader per table, turning each row into its FHIR R4
resource with the FHIR slice's mapper (``prm.adapters.fhir``).

Each page is one query on the primary key ``(tenant_id, id)`` after the last id seen, so reading
the ten-thousandth page costs what the first did, and only one page is in memory. ``_since``
filters on ``updated_at`` (the resources' ``meta.lastUpdated``). The rows are mapped with the
owning context's SQL row mapping, so an export shows exactly what a FHIR read would.
"""

import gc
from collections.abc import AsyncIterator, Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from prm.adapters.fhir.appointment import appointment_resource
from prm.adapters.fhir.patient import patient_resource
from prm.adapters.fhir.practitioner import practitioner_resource
from prm.adapters.sql import appointments as appointment_rows
from prm.adapters.sql import patients as patient_rows
from prm.adapters.sql import practitioners as practitioner_rows
from prm.adapters.sql.appointments_tables import appointments
from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.fhir_export import since_filter
from prm.adapters.sql.patients_tables import patients
from prm.adapters.sql.practitioners_tables import practitioners
from prm.application.fhir_export.ports import ExportableType, Resource, ResourceSource
from prm.domain.shared.ids import TenantId

RowToResource = Callable[[Any], dict[str, Any]]
PATIENT_SEARCH_COLUMNS = frozenset(
    {"family_key", "given_key", "name_tokens", "phone_digits", "emails", "city", "city_key"}
)
"""Columns derived for search on write: the FHIR mapping does not read them, so they are not fetched."""


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a page is mapped (synchronous code: no other task
    runs meanwhile). A page allocates some hundred thousand dicts and lists, which would otherwise
    set off repeated full collections of the whole heap; the page holds no reference cycles, so
    reference counting frees it all the same. Measured: about a third of the job's CPU."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class KeysetSource(ResourceSource):
    """The rows of ``table`` of the tenant, in id order, as FHIR resources (``to_resource``)."""

    def __init__(
        self,
        connection: SqlConnection,
        tenant_id: TenantId,
        table: sa.Table,
        to_resource: RowToResource,
        unread: Collection[str] = (),
    ) -> None:
        self._connection = connection
        self._tenant_id = tenant_id
        self._table = table
        self._to_resource = to_resource
        self._columns = [c for c in table.columns if c.name not in unread]

    def _where(self, since: datetime | None) -> list[sa.ColumnElement[bool]]:
        c = self._table.c
        return [c.tenant_id == self._tenant_id, *since_filter(c.updated_at, since)]

    async def count(self, since: datetime | None) -> int:
        query = sa.select(sa.func.count()).select_from(self._table).where(*self._where(since))
        return int((await self._connection.execute(query)).scalar_one())

    async def pages(self, since: datetime | None, size: int) -> AsyncIterator[Sequence[Resource]]:
        c = self._table.c
        after = None
        while True:
            query = sa.select(*self._columns).where(*self._where(since))
            if after is not None:
                query = query.where(c.id > after)
            rows = (await self._connection.execute(query.order_by(c.id).limit(size))).all()
            if not rows:
                return
            with _collector_paused():
                resources = [self._to_resource(row) for row in rows]
            yield resources
            if len(rows) < size:
                return
            after = rows[-1].id


@dataclass(frozen=True, slots=True)
class _Entry:
    name: str
    table: sa.Table
    to_resource: RowToResource
    patient_compartment: bool
    permission: str
    unread: Collection[str] = ()


REGISTRY: tuple[_Entry, ...] = (
    _Entry(
        "Patient",
        patients,
        lambda r: patient_resource(patient_rows.patient_from_row(r)),
        True,
        "patients:read",
        PATIENT_SEARCH_COLUMNS,
    ),
    _Entry(
        "Practitioner",
        practitioners,
        lambda r: practitioner_resource(practitioner_rows.practitioner_from_row(r)),
        False,
        "practitioners:read",
    ),
    _Entry(
        "Appointment",
        appointments,
        lambda r: appointment_resource(appointment_rows.appointment_from_row(r)),
        True,
        "appointments:read",
    ),
)
"""One line per exportable resource type (name, table, row → FHIR resource, in the Patient
compartment, the permission to export it, columns not read), in the order of the files."""
EXPORTABLE_NAMES = tuple(e.name for e in REGISTRY)
PATIENT_COMPARTMENT_NAMES = tuple(e.name for e in REGISTRY if e.patient_compartment)


def exportable_types(connection: SqlConnection, tenant_id: TenantId) -> list[ExportableType]:
    """The registry's types, reading the tables of ``tenant_id`` through ``connection``."""
    return [
        ExportableType(
            e.name,
            KeysetSource(connection, tenant_id, e.table, e.to_resource, e.unread),
            e.patient_compartment,
            e.permission,
        )
        for e in REGISTRY
    ]
