"""Record that another system moved an appointment (HL7 v2 SIU^S13/S14 from a hospital)."""

from dataclasses import dataclass
from datetime import datetime

import structlog

from prm.application.appointments.booking import check_free_to_move
from prm.application.appointments.ports import AppointmentRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.appointments.errors import AppointmentNotFound, InvalidTimeSlot
from prm.domain.appointments.ids import AppointmentId
from prm.domain.appointments.model import SCHEDULING_DATES, Appointment, TimeSlot

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordExternalRescheduleCommand:
    """The new times (tz-aware; both ``None``: kept, as an SIU^S14 modification without times
    means) and descriptive fields as the other system has them (None: kept)."""

    appointment_id: AppointmentId
    starts_at: datetime | None
    ends_at: datetime | None
    appointment_type: str | None = None
    reason_text: str | None = None


class RecordExternalReschedule:
    """Move an appointment to the times another system gives, the past allowed (the hospital's
    record; ``UpdateAppointment`` refuses it), and revise its type and reason.

    Raises ``AppointmentNotFound`` (404), ``SlotUnavailable`` (409: another active appointment of
    the practitioner then), ``InvalidTransition`` (409: not proposed, pending or booked),
    ``InvalidTimeSlot`` / ``DateOutOfRange`` (422; also one time without the other). Records
    ``AppointmentRescheduled`` for a future slot and an audit event naming the changed fields;
    nothing when nothing changed.
    """

    def __init__(
        self,
        appointments: AppointmentRepository,
        outbox: Outbox,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
    ) -> None:
        self._appointments = appointments
        self._outbox = outbox
        self._audit = audit
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: RecordExternalRescheduleCommand) -> tuple[Appointment, tuple[str, ...]]:
        """The appointment and the wire names of the fields that changed."""
        now = self._clock.now()
        if (command.starts_at is None) != (command.ends_at is None):
            raise InvalidTimeSlot("a move needs both its start and its end", field="end_time")
        if command.starts_at is not None and command.ends_at is not None:
            SCHEDULING_DATES.check_instant(command.starts_at, "start_time")
            SCHEDULING_DATES.check_instant(command.ends_at, "end_time", end=True)
        appointment = await self._appointments.get(command.appointment_id)
        if appointment is None:
            raise AppointmentNotFound(f"appointment {command.appointment_id} not found")
        slot = (
            TimeSlot(command.starts_at, command.ends_at)
            if command.starts_at is not None and command.ends_at is not None
            else appointment.slot
        )
        loaded_version = appointment.version
        revisions = {
            name: value
            for name, value in (("appointment_type", command.appointment_type), ("reason_text", command.reason_text))
            if value is not None
        }
        changed = list(appointment.revise(now, **revisions))
        if slot != appointment.slot:
            await check_free_to_move(appointment, slot, self._appointments)
            appointment.record_reschedule(slot, now)
            changed += ["start_time", "end_time"]
        if not changed:
            return appointment, ()
        await self._appointments.save(appointment, expected_version=loaded_version)
        await self._outbox.add(appointment.events)
        await self._audit.record(AuditAction.UPDATE, "appointment", [appointment.id], changed_fields=changed)
        await self._uow.commit()
        log.info("appointment.rescheduled_externally", appointment_id=str(appointment.id))
        return appointment, tuple(changed)
