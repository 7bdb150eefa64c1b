"""On ``appointment.rescheduled``: the old reminders cancelled, new ones and a notice queued."""

from uuid import UUID

import structlog

from prm.application.communications.reminders_messages import AppointmentMessages, payload_instant
from prm.application.communications.reminders_ports import AppointmentFacts
from prm.application.shared.events import EventHandler, PublishedEvent
from prm.application.shared.ports import Clock, UnitOfWork

log = structlog.get_logger(__name__)


class MoveAppointmentReminders(EventHandler):
    """Registered for ``appointment.rescheduled`` (payload: ``appointment_id``, ``starts_at``, the
    new start, RFC 3339 UTC).

    Cancels the appointment's pending reminders, then (when the appointment is still ``booked``
    at that start) queues the ``appointment_rescheduled`` notice (when ``notify_patient``) and the
    reminders for the new start, in one commit. When the appointment has moved again since, only
    the cancelling is done: the later event queues the right ones. Idempotent in effect: the
    relay records the event in the same transaction, and the keys name the start.
    """

    def __init__(self, facts: AppointmentFacts, messages: AppointmentMessages, uow: UnitOfWork, clock: Clock) -> None:
        self._facts = facts
        self._messages = messages
        self._uow = uow
        self._clock = clock

    async def __call__(self, event: PublishedEvent) -> None:
        appointment_id = UUID(str(event.payload.get("appointment_id", event.aggregate_id)))
        starts_at = payload_instant(event.payload, "starts_at")
        await self._messages.cancel_reminders(appointment_id)
        details = await self._facts.appointment(appointment_id)
        if details is None or not details.remindable or details.starts_at != starts_at:
            log.info("appointment_messages.skipped", appointment_id=str(appointment_id), event_type=event.type)
        else:
            now = self._clock.now()
            contact = await self._messages.contact(details.patient_id)
            confirmation_at = None
            if bool(event.payload.get("notify_patient", details.notify_patient)):
                await self._messages.notice("rescheduled", details, contact, starts_at, occasion=event.id)
                confirmation_at = now
            await self._messages.reminders(
                details, contact, starts_at, now=now, confirmation_at=confirmation_at, occasion=event.id
            )
        await self._uow.commit()
