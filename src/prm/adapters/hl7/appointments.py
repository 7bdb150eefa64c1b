"""The hl7 context's view of the appointments and practitioners contexts, through their use cases
and public ports (each use case commits its own change: ``ApplyScope`` holds those commits)."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from prm.application.appointments.cancel_appointment import CancelAppointment, CancelAppointmentCommand
from prm.application.appointments.ports import ScheduleRepository
from prm.application.appointments.record_external_appointment import (
    RecordExternalAppointment,
    RecordExternalAppointmentCommand,
)
from prm.application.appointments.record_external_reschedule import (
    RecordExternalReschedule,
    RecordExternalRescheduleCommand,
)
from prm.application.appointments.update_appointment import UpdateAppointment, UpdateAppointmentCommand
from prm.application.hl7.ports import AppointmentBook, ExternalBooking
from prm.application.practitioners.ports import PractitionerRepository
from prm.domain.appointments.ids import AppointmentId, LocationId
from prm.domain.appointments.model import AppointmentStatus, CancellationReason
from prm.domain.shared.ids import PatientId, PractitionerId
from prm.domain.shared.text import fold

SOURCE_CHANNEL = "hl7"
"""The ``source_channel`` of appointments an HL7 feed booked."""


class AppointmentBookFromAppointments(AppointmentBook):
    """The hl7 context's view of the appointments context: SIU changes through its use cases
    (``RecordExternalAppointment``, ``RecordExternalReschedule``, ``UpdateAppointment``), joining
    the caller's unit of work; the AIP-3 practitioner looked up by licence number or source id,
    the AIL-3 location by name."""

    def __init__(
        self,
        practitioners: PractitionerRepository,
        schedules: ScheduleRepository,
        record: RecordExternalAppointment,
        reschedule: RecordExternalReschedule,
        update: UpdateAppointment,
        cancel: CancelAppointment,
    ) -> None:
        self._practitioners = practitioners
        self._schedules = schedules
        self._record = record
        self._reschedule = reschedule
        self._update = update
        self._cancel = cancel

    async def practitioner(self, identifiers: Sequence[str]) -> UUID | None:
        for identifier in identifiers:
            found = await self._practitioners.get_by_license_number(identifier)
            if found is None:
                found = await self._practitioners.get_by_external_id(identifier)
            if found is not None:
                return found.id
        return None

    async def location(self, names: Sequence[str]) -> UUID | None:
        if not names:
            return None
        by_name = {fold(location.name): location.id for location in await self._schedules.locations()}
        return next((by_name[fold(name)] for name in names if fold(name) in by_name), None)

    async def record(self, booking: ExternalBooking) -> UUID:
        appointment = await self._record(
            RecordExternalAppointmentCommand(
                patient_id=PatientId(booking.patient_id),
                practitioner_id=PractitionerId(booking.practitioner_id),
                starts_at=booking.starts_at,
                ends_at=booking.ends_at,
                appointment_type=booking.appointment_type,
                reason_text=booking.reason_text,
                location_id=LocationId(booking.location_id) if booking.location_id is not None else None,
                source_channel=SOURCE_CHANNEL,
            )
        )
        return appointment.id

    async def reschedule(
        self,
        appointment_id: UUID,
        starts_at: datetime | None,
        ends_at: datetime | None,
        appointment_type: str | None,
        reason_text: str | None,
    ) -> bool:
        _, changed = await self._reschedule(
            RecordExternalRescheduleCommand(
                appointment_id=AppointmentId(appointment_id),
                starts_at=starts_at,
                ends_at=ends_at,
                appointment_type=appointment_type,
                reason_text=reason_text,
            )
        )
        return bool(changed)

    async def cancel(self, appointment_id: UUID) -> None:
        # The hospital tells its patient itself: PRM's own cancellation notice would be a second one.
        await self._cancel(
            CancelAppointmentCommand(
                appointment_id=AppointmentId(appointment_id), reason=CancellationReason.OTHER, notify_patient=False
            )
        )

    async def enter_in_error(self, appointment_id: UUID) -> None:
        await self._update(
            UpdateAppointmentCommand(
                appointment_id=AppointmentId(appointment_id), status=AppointmentStatus.ENTERED_IN_ERROR
            )
        )

    async def no_show(self, appointment_id: UUID) -> None:
        await self._update(
            UpdateAppointmentCommand(appointment_id=AppointmentId(appointment_id), status=AppointmentStatus.NOSHOW)
        )
