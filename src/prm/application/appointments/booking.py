"""Placing a booking: the checks every way of booking shares (not a use case on its own)."""

from prm.application.appointments.ports import AppointmentRepository, HoldRepository
from prm.domain.appointments.errors import SlotHeld, SlotUnavailable
from prm.domain.appointments.ids import HoldId
from prm.domain.appointments.model import Appointment, TimeSlot


async def place(
    appointment: Appointment,
    appointments: AppointmentRepository,
    holds: HoldRepository,
    *,
    own_hold: HoldId | None = None,
) -> None:
    """Insert ``appointment`` if its practitioner is free then.

    Takes the booking lock first, then refuses with :class:`SlotHeld` (a live hold of another
    patient; the patient's own holds and ``own_hold`` do not count) or, from the repository's
    ``add``, :class:`SlotUnavailable` naming the appointment in the way: the database decides
    (PostgreSQL's exclusion constraint; SQLite's check under its write lock), so there is no
    separate pre-check round trip.
    """
    await appointments.lock_for_booking(appointment.practitioner_id)
    live = await holds.live([appointment.practitioner_id], appointment.slot, appointment.created_at)
    for hold in live:
        if hold.id == own_hold or hold.patient_id == appointment.patient_id:
            continue
        raise SlotHeld("that time is held for another patient for a few minutes: choose another slot")
    await appointments.add(appointment)


async def check_free_to_move(appointment: Appointment, slot: TimeSlot, appointments: AppointmentRepository) -> None:
    """Before moving an active ``appointment`` to ``slot``: take the booking lock and raise
    :class:`SlotUnavailable` (409, naming it) when another active appointment of the practitioner
    overlaps ``slot``. An inactive (cancelled, fulfilled ...) appointment may move anywhere."""
    await appointments.lock_for_booking(appointment.practitioner_id)
    clash = await appointments.overlapping(appointment.practitioner_id, slot, exclude=appointment.id)
    if clash and appointment.is_active:
        raise SlotUnavailable(
            f"the practitioner already has appointment {clash[0].id} at that time", conflicting_id=clash[0].id
        )
