"""The patients' read side for campaign audiences (:mod:`prm.application.patients.select_audience`):
one keyset page over the primary key ``(tenant_id, id)`` per batch, reading only what messaging
needs (telecom, preferred language, given name, status)."""

from collections.abc import Sequence
from typing import Any

import msgspec
import sqlalchemy as sa

from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.patients_tables import patients
from prm.application.patients.contact_points import PatientContactPoints, contact_points_of
from prm.application.patients.select_audience import AudienceQuery, PatientAudience
from prm.domain.patients.model import PatientStatus
from prm.domain.shared.contact import ContactPoint
from prm.domain.shared.ids import PatientId, TenantId

_p = patients
_GIVEN = _p.c.name[("given", 0)].as_string().label("given_name")
"""The first given name, read by the database (HumanName's JSON is not decoded here)."""
_COLUMNS = (_p.c.id, _p.c.telecom, _p.c.preferred_language, _GIVEN, _p.c.status)
_telecom = msgspec.convert


class SqlPatientAudience(PatientAudience):
    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def page(self, query: AudienceQuery, after: PatientId | None, size: int) -> Sequence[PatientContactPoints]:
        where: list[sa.ColumnElement[bool]] = [_p.c.tenant_id == self._tenant_id, _p.c.status == query.status.value]
        if after is not None:
            where.append(_p.c.id > after)
        if query.born_after is not None:
            where.append(_p.c.birth_date > query.born_after)
        if query.born_on_or_before is not None:
            where.append(_p.c.birth_date <= query.born_on_or_before)
        if query.genders:
            where.append(_p.c.gender.in_(query.genders))
        if query.cities:
            where.append(_p.c.city_key.in_(query.cities))
        statement = sa.select(*_COLUMNS).where(*where).order_by(_p.c.id).limit(size)
        rows = await self._connection.execute(statement)
        return [_contact(row._mapping) for row in rows]


def _contact(m: Any) -> PatientContactPoints:
    return contact_points_of(
        PatientId(m["id"]),
        _telecom(m["telecom"], tuple[ContactPoint, ...]),
        preferred_language=m["preferred_language"],
        given_name=m["given_name"],
        status=PatientStatus(m["status"]),
    )
