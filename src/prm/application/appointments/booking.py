"""Placing a booking: the checks every way of booking shares (not a use case on its own)."""

from uuid import UUID

from prm.application.appointments.ports import AppointmentRepository, HoldRepository
from prm.domain.appointments.errors import SlotHeld, SlotUnavailable
from prm.domain.appointments.model import Appointment


async def place(
    appointment: Appointment,
    appointments: AppointmentRepository,
    holds: HoldRepository,
    *,
    own_hold: UUID | None = None,
) -> None:
    """Insert ``appointment`` if its practitioner is free then.

    Takes the booking lock first, then refuses with :class:`SlotUnavailable` (naming the
    appointment in the way) or :class:`SlotHeld` (a live hold of another patient; the patient's
    own holds and ``own_hold`` do not count). The database constraint catches what a concurrent writer slipped in.
    """
    await appointments.lock_for_booking(appointment.practitioner_id)
    clash = await appointments.overlapping(appointment.practitioner_id, appointment.slot, exclude=appointment.id)
    if clash:
        raise SlotUnavailable(
            f"the practitioner already has appointment {clash[0].id} at that time", conflicting_id=clash[0].id
        )
    live = await holds.live([appointment.practitioner_id], appointment.slot, appointment.created_at)
    for hold in live:
        if hold.id == own_hold or hold.patient_id == appointment.patient_id:
            continue
        raise SlotHeld("that time is held for another patient for a few minutes: choose another slot")
    await appointments.add(appointment)
