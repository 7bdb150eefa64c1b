"""On ``appointment.booked``: the confirmation notice and the reminders."""

from uuid import UUID

import structlog

from prm.application.communications.reminders_messages import AppointmentMessages, payload_instant
from prm.application.communications.reminders_ports import AppointmentFacts
from prm.application.shared.events import EventHandler, PublishedEvent
from prm.application.shared.ports import Clock, UnitOfWork

log = structlog.get_logger(__name__)


class QueueBookingMessages(EventHandler):
    """Registered for ``appointment.booked`` (payload: ``appointment_id``, ``starts_at``, RFC 3339
    UTC; ``notify_patient`` when a later version carries it, default ``True``).

    Queues the ``appointment_confirmation`` notice (when ``notify_patient``) and one
    ``appointment_reminder`` per offset still ahead (:mod:`prm.domain.communications.reminders`),
    then commits. Nothing when the appointment is gone, no longer ``booked``, or has moved since
    (its own later event handles it). Idempotent: every message has a stable ``dedup_key``.
    Raises ``ValueError`` for a payload without ``starts_at``.
    """

    def __init__(self, facts: AppointmentFacts, messages: AppointmentMessages, uow: UnitOfWork, clock: Clock) -> None:
        self._facts = facts
        self._messages = messages
        self._uow = uow
        self._clock = clock

    async def __call__(self, event: PublishedEvent) -> None:
        appointment_id = UUID(str(event.payload.get("appointment_id", event.aggregate_id)))
        starts_at = payload_instant(event.payload, "starts_at")
        details = await self._facts.appointment(appointment_id)
        if details is None or not details.remindable or details.starts_at != starts_at:
            log.info("appointment_messages.skipped", appointment_id=str(appointment_id), event_type=event.type)
            return
        now = self._clock.now()
        contact = await self._messages.contact(details.patient_id)
        confirmation_at = None
        if bool(event.payload.get("notify_patient", details.notify_patient)):
            await self._messages.notice("confirmation", details, contact, starts_at)
            confirmation_at = now
        await self._messages.reminders(details, contact, starts_at, now=now, confirmation_at=confirmation_at)
        await self._uow.commit()
