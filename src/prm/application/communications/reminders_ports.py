"""What the reminders part needs of the appointments context, and what it offers the inbox part.

The communications context may not import the appointments context: :class:`AppointmentFacts`
reads what a message needs (ids, times, display names, never clinical detail) and
:class:`AppointmentReplies` applies a patient's answer to a reminder; both are implemented over
the appointments context's use cases (``prm.adapters.communications.reminders_appointments``).
Tenant-scoped (REQUEST scope, the unit of work's tenant).
"""

from abc import abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from prm.domain.communications.reminders import DEFAULT_REMINDER_OFFSETS, ReplyOutcome
from prm.domain.shared.ids import PatientId

REMINDABLE_STATUSES = frozenset({"booked"})
"""FHIR AppointmentStatus codes of an appointment that still gets reminders and notices."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AppointmentDetails:
    """An appointment as its messages tell it. ``status`` is the FHIR AppointmentStatus code;
    ``time_zone`` the IANA zone its times read in (the location's, else the tenant's);
    ``clinic_name`` the tenant's name; ``join_url`` the video room of a virtual visit, when one
    has been made."""

    appointment_id: UUID
    patient_id: PatientId
    status: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    clinic_name: str
    practitioner_name: str | None = None
    location_name: str | None = None
    is_virtual: bool = False
    join_url: str | None = None
    notify_patient: bool = True
    """The appointments context does not store it yet (only ``appointment.cancelled`` carries it):
    ``True`` unless an event says otherwise."""

    @property
    def remindable(self) -> bool:
        return self.status in REMINDABLE_STATUSES


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitlistOfferDetails:
    """A freed slot held for a waiting patient until ``expires_at`` (UTC); ``live`` while it can
    still be taken."""

    offer_id: UUID
    patient_id: PatientId
    starts_at: datetime
    expires_at: datetime
    time_zone: str
    clinic_name: str
    practitioner_name: str | None = None
    location_name: str | None = None
    live: bool = True


class AppointmentFacts(Protocol):
    """Reads appointments and waitlist offers of the tenant (no side effects, no commit)."""

    @abstractmethod
    async def appointment(self, appointment_id: UUID) -> AppointmentDetails | None:
        """``None`` when the tenant has no such appointment (deleted, or another tenant's)."""

    @abstractmethod
    async def waitlist_offer(self, offer_id: UUID) -> WaitlistOfferDetails | None: ...


class AppointmentReplies(Protocol):
    """A patient's answer to a reminder, applied to the appointment (for the inbox part, when a
    patient replies ``C`` or ``X``). Checks that the appointment is ``patient_id``'s; never
    raises for what the patient did (a second reply, a late one): the outcome says it."""

    @abstractmethod
    async def confirm(self, appointment_id: UUID, patient_id: PatientId) -> ReplyOutcome:
        """The patient accepts (FHIR ``Appointment.participant.status`` ``accepted``):
        ``CONFIRMED``, ``ALREADY_DONE``, ``TOO_LATE`` (started, cancelled...) or ``NOT_FOUND``.
        Joins the caller's unit of work: the caller commits (or not)."""

    @abstractmethod
    async def cancel(self, appointment_id: UUID, patient_id: PatientId) -> ReplyOutcome:
        """Cancel with reason ``pat`` (FHIR appointment-cancellation-reason: patient) and
        ``notify_patient`` false, so no cancellation notice goes out on top of the inbox's own
        answer: ``CANCELLED``, ``ALREADY_DONE``, ``TOO_LATE`` or ``NOT_FOUND``. Joins the
        caller's unit of work."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReminderSettings:
    """When reminders go: ``offsets`` before the start (default 72 h and 24 h)."""

    offsets: tuple[timedelta, ...] = DEFAULT_REMINDER_OFFSETS
