"""Typed identifiers of the appointments context (UUIDv7, see :mod:`prm.domain.shared.ids`).

A location id cannot be passed where a schedule id is expected, nor an appointment id where a
hold id is. A slot's ``time_slot_id`` is not among them: it is a UUIDv8 that encodes the slot
itself (:mod:`prm.domain.appointments.slot_ids`), not the id of a stored row.
"""

from typing import NewType
from uuid import UUID

AppointmentId = NewType("AppointmentId", UUID)
LocationId = NewType("LocationId", UUID)
ScheduleId = NewType("ScheduleId", UUID)
ScheduleExceptionId = NewType("ScheduleExceptionId", UUID)
WaitlistEntryId = NewType("WaitlistEntryId", UUID)
HoldId = NewType("HoldId", UUID)
"""A booking hold (find-slots) or a waitlist offer."""
ConversationId = NewType("ConversationId", UUID)
"""The holds offered together by one find-slots call, which select-slot books one of."""
