"""Conversational booking, step 2 (reference API ``POST /appointments/select-slot``): book the
slot the patient picked by its number, or by a date and time that is on the list."""

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import structlog
from dateutil import parser as date_parser

from prm.application.appointments.booking import place
from prm.application.appointments.ports import AppointmentRepository, HoldRepository, ScheduleRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.appointments.errors import ConversationNotFound, HoldExpired, ReplyNotUnderstood
from prm.domain.appointments.ids import ConversationId
from prm.domain.appointments.model import Appointment
from prm.domain.appointments.schedule import zone
from prm.domain.appointments.waitlist import Hold, HoldStatus
from prm.domain.shared.ids import PatientId

log = structlog.get_logger(__name__)
_NUMBER = re.compile(r"^\s*(?:option\s*|#|no\.?\s*)?(\d{1,2})\s*[.)]?\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True, kw_only=True)
class SelectSlotCommand:
    """``reply`` is what the patient wrote: ``"2"``, ``"#2"``, or ``"2026-03-12 09:30"`` /
    ``"12 March 9:30am"`` (read in the location's time zone)."""

    conversation_id: ConversationId
    patient_id: PatientId
    reply: str
    appointment_type: str | None = None
    reason_text: str | None = None
    source_channel: str | None = "conversation"


@dataclass(frozen=True, slots=True)
class SelectedSlot:
    """The booking and the IANA zone its slot was offered in (the location's; ``"UTC"`` without one)."""

    appointment: Appointment
    time_zone: str

    @property
    def local_start(self) -> datetime:
        return self.appointment.slot.starts_at.astimezone(zone(self.time_zone))

    @property
    def local_end(self) -> datetime:
        return self.appointment.slot.ends_at.astimezone(zone(self.time_zone))


class SelectSlot:
    """Raises ``ConversationNotFound`` (404; also another patient's conversation),
    ``ReplyNotUnderstood`` (422: not a number from the list nor a time on it), ``HoldExpired``
    (409: too late, search again), ``SlotUnavailable`` / ``SlotHeld`` (409: the slot is gone)."""

    def __init__(
        self,
        holds: HoldRepository,
        appointments: AppointmentRepository,
        schedules: ScheduleRepository,
        outbox: Outbox,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._holds = holds
        self._appointments = appointments
        self._schedules = schedules
        self._outbox = outbox
        self._audit = audit
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, command: SelectSlotCommand) -> SelectedSlot:
        now = self._clock.now()
        held = [
            h for h in await self._holds.conversation(command.conversation_id) if h.patient_id == command.patient_id
        ]
        if not held:
            raise ConversationNotFound(f"no slots were offered in conversation {command.conversation_id}")
        location = await self._schedules.get_location(held[0].location_id) if held[0].location_id else None
        time_zone = location.time_zone if location else "UTC"
        hold = self._pick(held, command.reply, zone(time_zone))
        if not hold.is_live(now):
            raise HoldExpired("the offered slots are no longer held for you: ask for slots again")
        appointment = Appointment.book(
            tenant_id=self._context.tenant_id,
            patient_id=command.patient_id,
            practitioner_id=hold.practitioner_id,
            location_id=hold.location_id,
            slot=hold.slot,
            now=now,
            appointment_type=command.appointment_type,
            reason_text=command.reason_text,
            source_channel=command.source_channel,
        )
        await place(appointment, self._appointments, self._holds, own_hold=hold.id)
        hold.use(appointment.id, now)
        await self._holds.save(hold)
        for other in held:
            if other is not hold:
                other.end(HoldStatus.RELEASED)
                await self._holds.save(other)
        await self._outbox.add(appointment.events)
        await self._audit.record(AuditAction.CREATE, "appointment", [appointment.id])
        await self._uow.commit()
        log.info("appointment.booked", appointment_id=str(appointment.id), via="conversation")
        return SelectedSlot(appointment, time_zone)

    @staticmethod
    def _pick(held: list[Hold], reply: str, tz: ZoneInfo) -> Hold:
        number = _NUMBER.match(reply)
        if number:
            ordinal = int(number.group(1))
            for hold in held:
                if hold.ordinal == ordinal:
                    return hold
            raise ReplyNotUnderstood(f"reply with a number from 1 to {len(held)}", field="reply")
        # Missing parts of the reply (a time alone: "9:30") default to the first offered slot's day.
        default = held[0].slot.starts_at.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
        try:
            parsed = date_parser.parse(reply, default=default, fuzzy=True)
        except (ValueError, OverflowError) as exc:
            raise ReplyNotUnderstood(
                f"reply with a number from 1 to {len(held)}, or a date and time from the list", field="reply"
            ) from exc
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=tz)
        for hold in held:
            local = hold.slot.starts_at.astimezone(parsed.tzinfo)
            if local.replace(second=0, microsecond=0) == parsed.replace(second=0, microsecond=0):
                return hold
        raise ReplyNotUnderstood("that time is not one of the offered slots: reply with its number", field="reply")
