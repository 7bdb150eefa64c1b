"""Change an appointment (reference API ``PATCH /appointments/{id}``): reschedule, move along the
life cycle, or edit its descriptive fields."""

from dataclasses import dataclass, field
from datetime import datetime

import structlog

from prm.application.appointments.booking import check_free_to_move
from prm.application.appointments.ports import AppointmentRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.appointments.errors import AppointmentNotFound, InvalidTimeSlot
from prm.domain.appointments.ids import AppointmentId
from prm.domain.appointments.model import SCHEDULING_DATES, Appointment, AppointmentStatus, TimeSlot
from prm.domain.shared.errors import StaleVersion

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateAppointmentCommand:
    """Only what is given changes. ``starts_at``/``ends_at`` (wire ``start_time``/``end_time``)
    reschedule (give either; the other keeps the duration); ``status`` moves the life cycle
    (cancel has its own action); ``changes`` edits ``appointment_type``, ``reason_text``,
    ``source_channel``."""

    appointment_id: AppointmentId
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    status: AppointmentStatus | None = None
    changes: dict[str, str | None] = field(default_factory=dict)
    expected_version: int | None = None


class UpdateAppointment:
    """Raises ``AppointmentNotFound``, ``StaleVersion`` / ``InvalidTransition`` / ``SlotUnavailable``
    (409, naming the conflicting appointment), ``SlotInThePast``, ``InvalidTimeSlot`` and
    ``DateOutOfRange`` (422). Records ``AppointmentRescheduled``, ``AppointmentFulfilled``,
    ``AppointmentNoShow`` ... and an audit event (changed fields by their wire names)."""

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

    async def __call__(self, command: UpdateAppointmentCommand) -> Appointment:
        now = self._clock.now()
        appointment = await self._appointments.get(command.appointment_id)
        if appointment is None:
            raise AppointmentNotFound(f"appointment {command.appointment_id} not found")
        if command.expected_version is not None and command.expected_version != appointment.version:
            raise StaleVersion("the appointment was changed by someone else: reload it and apply the change again")
        loaded_version = appointment.version
        changed: list[str] = list(appointment.revise(now, **command.changes))
        if command.starts_at is not None or command.ends_at is not None:
            slot = _new_slot(appointment.slot, command.starts_at, command.ends_at)
            if slot != appointment.slot:
                await check_free_to_move(appointment, slot, self._appointments)
                appointment.reschedule(slot, now)
                changed += ["start_time", "end_time"]
        if command.status is not None and command.status is not appointment.status:
            appointment.move_to(command.status, now)
            changed.append("status")
        if not changed:
            return appointment
        await self._appointments.save(appointment, expected_version=loaded_version)
        await self._outbox.add(appointment.events)
        await self._audit.record(AuditAction.UPDATE, "appointment", [appointment.id], changed_fields=changed)
        await self._uow.commit()
        log.info("appointment.updated", appointment_id=str(appointment.id), status=appointment.status.value)
        return appointment


def _new_slot(current: TimeSlot, starts_at: datetime | None, ends_at: datetime | None) -> TimeSlot:
    # Bounds first: the arithmetic below would overflow at the calendar's edges.
    if starts_at is not None:
        SCHEDULING_DATES.check_instant(starts_at, "start_time")
    if ends_at is not None:
        SCHEDULING_DATES.check_instant(ends_at, "end_time", end=True)
    if starts_at is not None and ends_at is not None:
        return TimeSlot(starts_at, ends_at)
    if starts_at is not None:
        return TimeSlot(starts_at, starts_at + current.duration)
    if ends_at is None:
        raise InvalidTimeSlot("give start_time or end_time to reschedule", field="start_time")
    return TimeSlot(current.starts_at, ends_at)
