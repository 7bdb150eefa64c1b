"""SQL adapter of the appointments context's slot holds: booking holds and waitlist offers."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from prm.adapters.sql.appointments_tables import slot_holds
from prm.adapters.sql.bulk import insert_rows
from prm.adapters.sql.connection import SqlConnection
from prm.application.appointments.ports import HoldRepository
from prm.domain.appointments.ids import ConversationId, HoldId, WaitlistEntryId
from prm.domain.appointments.model import MAX_DURATION, TimeSlot
from prm.domain.appointments.waitlist import Hold, HoldKind, HoldStatus
from prm.domain.shared.ids import PatientId, PractitionerId, TenantId

_h = slot_holds.c


def _hold_row(h: Hold) -> dict[str, Any]:
    return {
        "tenant_id": h.tenant_id,
        "id": h.id,
        "kind": h.kind.value,
        "status": h.status.value,
        "patient_id": h.patient_id,
        "practitioner_id": h.practitioner_id,
        "location_id": h.location_id,
        "starts_at": h.slot.starts_at,
        "ends_at": h.slot.ends_at,
        "expires_at": h.expires_at,
        "conversation_id": h.conversation_id,
        "ordinal": h.ordinal,
        "waitlist_entry_id": h.waitlist_entry_id,
        "appointment_id": h.appointment_id,
        "created_at": h.created_at,
    }


def _hold(row: sa.Row[Any]) -> Hold:
    m = row._mapping
    return Hold(
        id=m["id"],
        tenant_id=TenantId(m["tenant_id"]),
        kind=HoldKind(m["kind"]),
        status=HoldStatus(m["status"]),
        patient_id=PatientId(m["patient_id"]),
        practitioner_id=PractitionerId(m["practitioner_id"]),
        location_id=m["location_id"],
        slot=TimeSlot(m["starts_at"], m["ends_at"]),
        expires_at=m["expires_at"],
        conversation_id=m["conversation_id"],
        ordinal=m["ordinal"],
        waitlist_entry_id=m["waitlist_entry_id"],
        appointment_id=m["appointment_id"],
        created_at=m["created_at"],
    )


class SqlHoldRepository(HoldRepository):
    """Holds of one tenant in ``slot_holds``."""

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def add_many(self, holds: Sequence[Hold]) -> None:
        await insert_rows(self._connection, slot_holds, [_hold_row(h) for h in holds])

    async def _select(self, *where: sa.ColumnElement[bool], order: Any = None, limit: int | None = None) -> list[Hold]:
        statement = sa.select(slot_holds).where(_h.tenant_id == self._tenant_id, *where)
        if order is not None:
            statement = statement.order_by(order)
        if limit is not None:
            statement = statement.limit(limit)
        return [_hold(r) for r in await self._connection.execute(statement)]

    async def get(self, hold_id: HoldId) -> Hold | None:
        found = await self._select(_h.id == hold_id)
        return found[0] if found else None

    async def conversation(self, conversation_id: ConversationId) -> Sequence[Hold]:
        return await self._select(_h.conversation_id == conversation_id, order=_h.ordinal)

    async def live(self, practitioner_ids: Sequence[PractitionerId], window: TimeSlot, now: datetime) -> Sequence[Hold]:
        if not practitioner_ids:
            return []
        return await self._select(
            _h.practitioner_id.in_(list(practitioner_ids)),
            _h.status == HoldStatus.ACTIVE.value,
            _h.expires_at > now,
            _h.starts_at < window.ends_at,
            _h.ends_at > window.starts_at,
            _h.starts_at > window.starts_at - MAX_DURATION,
        )

    async def save(self, hold: Hold) -> None:
        await self._connection.execute(
            sa.update(slot_holds)
            .where(_h.tenant_id == self._tenant_id, _h.id == hold.id)
            .values(status=hold.status.value, appointment_id=hold.appointment_id)
        )

    async def live_booking_holds_of(self, patient_id: PatientId, now: datetime) -> Sequence[Hold]:
        return await self._select(
            _h.patient_id == patient_id,
            _h.status == HoldStatus.ACTIVE.value,
            _h.kind == HoldKind.BOOKING.value,
            _h.expires_at > now,
        )

    async def expired_offers(self, now: datetime, limit: int) -> Sequence[Hold]:
        return await self._select(
            _h.status == HoldStatus.ACTIVE.value,
            _h.kind == HoldKind.OFFER.value,
            _h.expires_at <= now,
            order=_h.expires_at,
            limit=limit,
        )

    async def expire_lapsed_bookings(self, now: datetime) -> int:
        result = await self._connection.execute(
            sa.update(slot_holds)
            .where(
                _h.tenant_id == self._tenant_id,
                _h.status == HoldStatus.ACTIVE.value,
                _h.kind == HoldKind.BOOKING.value,
                _h.expires_at <= now,
            )
            .values(status=HoldStatus.EXPIRED.value)
        )
        return result.rowcount

    async def purge_ended(self, before: datetime) -> int:
        result = await self._connection.execute(
            sa.delete(slot_holds).where(
                _h.tenant_id == self._tenant_id, _h.status != HoldStatus.ACTIVE.value, _h.expires_at < before
            )
        )
        return result.rowcount

    async def entries_offered(self, practitioner_id: PractitionerId, slot: TimeSlot) -> frozenset[WaitlistEntryId]:
        rows = await self._connection.execute(
            sa.select(_h.waitlist_entry_id).where(
                _h.tenant_id == self._tenant_id,
                _h.practitioner_id == practitioner_id,
                _h.kind == HoldKind.OFFER.value,
                _h.starts_at == slot.starts_at,
                _h.ends_at == slot.ends_at,
            )
        )
        return frozenset(r[0] for r in rows if r[0] is not None)
