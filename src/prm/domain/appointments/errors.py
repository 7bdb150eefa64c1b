"""Errors of the appointments context (codes ``appointments.*``)."""

from uuid import UUID

from prm.domain.shared.errors import Conflict, NotFound, PatientNotFound, PractitionerNotFound, RuleViolated


class InvalidTimeSlot(RuleViolated):
    """A time range that ends before it starts, is naive, or is too long (HTTP 422)."""

    code = "appointments.invalid_time_slot"


class InvalidDateRange(RuleViolated):
    """A range of dates that ends before it starts or spans too many days (HTTP 422)."""

    code = "appointments.invalid_date_range"


class InvalidSchedule(RuleViolated):
    """A location, schedule, exception or waitlist entry that breaks a rule (HTTP 422)."""

    code = "appointments.invalid_schedule"


class SlotInThePast(RuleViolated):
    """Appointments are booked (or moved) to start in the future only (HTTP 422)."""

    code = "appointments.slot_in_the_past"


class InvalidTransition(Conflict):
    """The appointment's status does not allow this change (HTTP 409): e.g. no un-cancel."""

    code = "appointments.invalid_transition"


class SlotUnavailable(Conflict):
    """The practitioner already has an active appointment overlapping the time (HTTP 409).

    ``conflicting_id`` names the appointment in the way, when known.
    """

    code = "appointments.slot_unavailable"

    def __init__(self, detail: str, *, conflicting_id: UUID | None = None) -> None:
        super().__init__(detail)
        self.conflicting_id = conflicting_id


class SlotHeld(Conflict):
    """The time is held for someone else (conversational booking or a waitlist offer) (HTTP 409)."""

    code = "appointments.slot_held"


class SlotNotAvailable(Conflict):
    """A ``time_slot_id`` that is no longer in the practitioner's availability (HTTP 409)."""

    code = "appointments.slot_not_available"


class HoldExpired(Conflict):
    """The hold on the slots (conversation) or the waitlist offer has expired (HTTP 409)."""

    code = "appointments.hold_expired"


class ReplyNotUnderstood(RuleViolated):
    """A conversational reply that is neither a number from the list nor a time on it (HTTP 422)."""

    code = "appointments.reply_not_understood"


class AppointmentNotFound(NotFound):
    code = "appointments.not_found"


class LocationNotFound(NotFound):
    code = "appointments.location_not_found"


class ScheduleNotFound(NotFound):
    code = "appointments.schedule_not_found"


class WaitlistEntryNotFound(NotFound):
    code = "appointments.waitlist_entry_not_found"


class OfferNotFound(NotFound):
    code = "appointments.offer_not_found"


class ConversationNotFound(NotFound):
    code = "appointments.conversation_not_found"


class SlotNotFound(NotFound):
    """No free slot has this id (any more): booked, held, past, or not a slot id."""

    code = "appointments.slot_not_found"


__all__ = [
    "AppointmentNotFound",
    "ConversationNotFound",
    "HoldExpired",
    "InvalidDateRange",
    "InvalidSchedule",
    "InvalidTimeSlot",
    "InvalidTransition",
    "LocationNotFound",
    "OfferNotFound",
    "PatientNotFound",
    "PractitionerNotFound",
    "ReplyNotUnderstood",
    "ScheduleNotFound",
    "SlotHeld",
    "SlotInThePast",
    "SlotNotAvailable",
    "SlotNotFound",
    "SlotUnavailable",
    "WaitlistEntryNotFound",
]
"""``PatientNotFound`` and ``PractitionerNotFound`` are the shared ones (:mod:`prm.domain.shared.errors`)."""
