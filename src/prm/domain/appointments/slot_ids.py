"""Stateless slot ids: ``time_slot_id`` values that availability hands out and booking reads back.

A slot id is an RFC 9562 UUIDv8 (custom layout) holding the slot's start (minutes since the Unix
epoch, UTC, 32 bits), its length (minutes, 16 bits) and 74 bits of a BLAKE2b digest of the tenant,
practitioner and location, so that an id only books the practitioner and location it was issued
for. Nothing is stored: booking decodes the id and checks that the slot is still free.
"""

import functools
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from prm.domain.appointments.errors import InvalidTimeSlot
from prm.domain.appointments.model import SCHEDULING_DATES, TimeSlot
from prm.domain.shared.errors import RuleViolated

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FINGERPRINT_BITS = 74
_LAST_MINUTE = (SCHEDULING_DATES.last_instant - _EPOCH) // timedelta(minutes=1)  # 32 bits reach 10136: too far


@functools.lru_cache(maxsize=4096)  # availability encodes hundreds of slots of one practitioner
def _fingerprint(tenant_id: UUID, practitioner_id: UUID, location_id: UUID | None) -> int:
    digest = hashlib.blake2b(
        b"".join(u.bytes for u in (tenant_id, practitioner_id, location_id or UUID(int=0))), digest_size=16
    ).digest()
    return int.from_bytes(digest, "big") >> (128 - _FINGERPRINT_BITS)


def encode_slot_id(tenant_id: UUID, practitioner_id: UUID, location_id: UUID | None, slot: TimeSlot) -> UUID:
    """The slot id of ``slot`` (whole minutes) for this practitioner and location."""
    minutes = int((slot.starts_at - _EPOCH).total_seconds()) // 60
    length = int(slot.duration.total_seconds()) // 60
    payload = (minutes << 90) | (length << 74) | _fingerprint(tenant_id, practitioner_id, location_id)
    high48 = payload >> 74
    mid12 = (payload >> 62) & 0xFFF
    low62 = payload & ((1 << 62) - 1)
    return UUID(int=(high48 << 80) | (0x8 << 76) | (mid12 << 64) | (0b10 << 62) | low62)


@dataclass(frozen=True, slots=True)
class DecodedSlot:
    slot: TimeSlot
    fingerprint: int

    def issued_for(self, tenant_id: UUID, practitioner_id: UUID, location_id: UUID | None) -> bool:
        return self.fingerprint == _fingerprint(tenant_id, practitioner_id, location_id)


def decode_slot_id(slot_id: UUID) -> DecodedSlot:
    """Read a slot id back; raises :class:`InvalidTimeSlot` (field ``time_slot_id``) for a UUID
    that is not one, or whose time is not a bookable slot (outside the years 1900 to 2200,
    longer than a day)."""
    value = slot_id.int
    if (value >> 76) & 0xF != 0x8 or (value >> 62) & 0b11 != 0b10:
        raise _not_a_slot_id()
    payload = ((value >> 80) << 74) | (((value >> 64) & 0xFFF) << 62) | (value & ((1 << 62) - 1))
    minutes = payload >> 90
    length = (payload >> 74) & 0xFFFF
    if length == 0 or minutes >= _LAST_MINUTE:
        raise _not_a_slot_id()
    start = _EPOCH + timedelta(minutes=minutes)
    try:
        slot = TimeSlot(start, start + timedelta(minutes=length))
    except RuleViolated as exc:
        raise _not_a_slot_id() from exc
    return DecodedSlot(slot, payload & ((1 << _FINGERPRINT_BITS) - 1))


def _not_a_slot_id() -> InvalidTimeSlot:
    return InvalidTimeSlot("time_slot_id is not a slot id from the availability endpoint", field="time_slot_id")
