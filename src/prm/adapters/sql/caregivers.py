"""SQL adapter of the caregivers context: the repository over ``caregivers``.

Built with the caller's ``TenantId``, which every statement filters on. ``name`` and
``telecom`` are JSON (the dataclasses are written by the JSON encoder and read back with
``msgspec.convert``). A patient's caregivers are one indexed query.
"""

from typing import Any

import msgspec
import sqlalchemy as sa

from prm.adapters.sql.caregivers_tables import caregivers
from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.paging import literal
from prm.application.caregivers.ports import MAX_CAREGIVERS, CaregiverRepository
from prm.domain.caregivers.ids import CaregiverId
from prm.domain.caregivers.model import Caregiver, CaregiverChannel, CaregiverDetails
from prm.domain.shared.contact import ContactPoint
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PatientId, TenantId
from prm.domain.shared.person import HumanName

_t = caregivers.c


def _to_row(caregiver: Caregiver) -> dict[str, Any]:
    d = caregiver.details
    return {
        "tenant_id": caregiver.tenant_id,
        "id": caregiver.id,
        "patient_id": caregiver.patient_id,
        "name": msgspec.to_builtins(d.name),
        "relationship": d.relationship,
        "telecom": msgspec.to_builtins(d.telecom),
        "preferred_channel": d.preferred_channel.value if d.preferred_channel else None,
        "receives_communications": d.receives_communications,
        "period_start": d.period_start,
        "period_end": d.period_end,
        "version": caregiver.version,
        "created_at": caregiver.created_at,
        "updated_at": caregiver.updated_at,
    }


def _from_row(row: Any) -> Caregiver:
    m = row._mapping
    details = CaregiverDetails(
        name=msgspec.convert(m["name"], HumanName),
        relationship=m["relationship"],
        telecom=msgspec.convert(m["telecom"], tuple[ContactPoint, ...]),
        preferred_channel=CaregiverChannel(m["preferred_channel"]) if m["preferred_channel"] else None,
        receives_communications=bool(m["receives_communications"]),
        period_start=m["period_start"],
        period_end=m["period_end"],
    )
    return Caregiver(
        id=CaregiverId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        patient_id=PatientId(m["patient_id"]),
        details=details,
        version=m["version"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


_UPDATABLE = tuple(c.name for c in caregivers.columns if c.name not in {"tenant_id", "id", "patient_id", "created_at"})


class SqlCaregiverRepository(CaregiverRepository):
    """Caregivers of one tenant in the ``caregivers`` table."""

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def add(self, caregiver: Caregiver) -> None:
        await self._connection.execute(sa.insert(caregivers).values(**_to_row(caregiver)))

    async def get(self, patient_id: PatientId, caregiver_id: CaregiverId) -> Caregiver | None:
        statement = sa.select(caregivers).where(
            _t.tenant_id == self._tenant_id, _t.patient_id == patient_id, _t.id == caregiver_id
        )
        row = (await self._connection.execute(statement)).first()
        return _from_row(row) if row else None

    async def get_by_id(self, caregiver_id: CaregiverId) -> Caregiver | None:
        statement = sa.select(caregivers).where(_t.tenant_id == self._tenant_id, _t.id == caregiver_id)
        row = (await self._connection.execute(statement)).first()
        return _from_row(row) if row else None

    async def of_patient(self, patient_id: PatientId) -> list[Caregiver]:
        statement = (
            sa.select(caregivers)
            .where(_t.tenant_id == self._tenant_id, _t.patient_id == patient_id)
            .order_by(_t.id)
            .limit(literal(MAX_CAREGIVERS))
        )
        return [_from_row(row) for row in (await self._connection.execute(statement)).all()]

    async def count(self, patient_id: PatientId) -> int:
        statement = (
            sa.select(sa.func.count())
            .select_from(caregivers)
            .where(_t.tenant_id == self._tenant_id, _t.patient_id == patient_id)
        )
        return int((await self._connection.execute(statement)).scalar_one())

    async def save(self, caregiver: Caregiver, *, expected_version: int) -> None:
        row = _to_row(caregiver)
        result = await self._connection.execute(
            sa.update(caregivers)
            .where(_t.tenant_id == self._tenant_id, _t.id == caregiver.id, _t.version == expected_version)
            .values({c: row[c] for c in _UPDATABLE})
        )
        if result.rowcount != 1:
            raise StaleVersion("the caregiver was changed by someone else: reload it and apply the change again")

    async def remove(self, caregiver: Caregiver) -> None:
        result = await self._connection.execute(
            sa.delete(caregivers).where(
                _t.tenant_id == self._tenant_id, _t.id == caregiver.id, _t.version == caregiver.version
            )
        )
        if result.rowcount != 1:
            raise StaleVersion("the caregiver was changed or removed by someone else: reload it")
