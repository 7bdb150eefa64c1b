"""Domain events of appointments, written to the outbox in the transaction of the change.

The first field is the aggregate's id (the outbox keys on it; the event type comes from the class
name: ``AppointmentNoShow`` is ``appointment.no_show``). Events carry ids, codes and times (UTC),
never names or free text, for the communications and journeys modules to consume.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar
from uuid import UUID

from prm.domain.shared.events import catalogue
from prm.domain.shared.ids import PatientId, PractitionerId


@dataclass(frozen=True, slots=True)
class AppointmentBooked:
    TYPE: ClassVar[str] = "appointment.booked"
    VERSION: ClassVar[int] = 1

    appointment_id: UUID
    patient_id: PatientId
    practitioner_id: PractitionerId
    starts_at: datetime
    ends_at: datetime
    appointment_type: str | None = None
    """The appointment's type as booked (``new_patient``, ``follow_up`` ...), so that a journey's
    trigger conditions can enrol on it; added in version 1 (absent from older payloads)."""


@dataclass(frozen=True, slots=True)
class AppointmentRescheduled:
    TYPE: ClassVar[str] = "appointment.rescheduled"
    VERSION: ClassVar[int] = 1

    appointment_id: UUID
    patient_id: PatientId
    practitioner_id: PractitionerId
    previous_starts_at: datetime
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class AppointmentCancelled:
    TYPE: ClassVar[str] = "appointment.cancelled"
    VERSION: ClassVar[int] = 1

    appointment_id: UUID
    patient_id: PatientId
    practitioner_id: PractitionerId
    starts_at: datetime
    ends_at: datetime
    reason: str
    notify_patient: bool


@dataclass(frozen=True, slots=True)
class AppointmentNoShow:
    TYPE: ClassVar[str] = "appointment.no_show"
    VERSION: ClassVar[int] = 1

    appointment_id: UUID
    patient_id: PatientId


@dataclass(frozen=True, slots=True)
class AppointmentFulfilled:
    TYPE: ClassVar[str] = "appointment.fulfilled"
    VERSION: ClassVar[int] = 1

    appointment_id: UUID
    patient_id: PatientId


@dataclass(frozen=True, slots=True)
class AppointmentStatusChanged:
    """Any other move of the life cycle (arrived, checked-in, entered-in-error, pending → booked ...)."""

    TYPE: ClassVar[str] = "appointment.status_changed"
    VERSION: ClassVar[int] = 1

    appointment_id: UUID
    previous_status: str
    status: str


@dataclass(frozen=True, slots=True)
class AppointmentDeleted:
    TYPE: ClassVar[str] = "appointment.deleted"
    VERSION: ClassVar[int] = 1

    appointment_id: UUID


@dataclass(frozen=True, slots=True)
class WaitlistOfferMade:
    """A freed slot is held for a waiting patient until ``expires_at`` (UTC)."""

    TYPE: ClassVar[str] = "waitlist.offer_made"
    VERSION: ClassVar[int] = 1

    offer_id: UUID
    entry_id: UUID
    patient_id: PatientId
    starts_at: datetime
    expires_at: datetime


CATALOGUE = catalogue(
    AppointmentBooked,
    AppointmentRescheduled,
    AppointmentCancelled,
    AppointmentNoShow,
    AppointmentFulfilled,
    AppointmentStatusChanged,
    AppointmentDeleted,
    WaitlistOfferMade,
)
"""What this context publishes, by ``TYPE``."""
