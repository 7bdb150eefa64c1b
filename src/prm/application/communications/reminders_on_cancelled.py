"""On ``appointment.cancelled``: the reminders cancelled and, when wanted, a cancellation notice."""

from uuid import UUID

from prm.application.communications.reminders_messages import AppointmentMessages, payload_instant
from prm.application.communications.reminders_ports import AppointmentFacts
from prm.application.shared.events import EventHandler, PublishedEvent
from prm.application.shared.ports import UnitOfWork


class CancelAppointmentReminders(EventHandler):
    """Registered for ``appointment.cancelled`` (payload: ``appointment_id``, ``starts_at``,
    ``reason``, ``notify_patient``).

    Cancels the pending reminders and, when ``notify_patient`` (default ``True``), queues the
    ``appointment_cancellation`` notice for the start the patient knew, in one commit. A patient
    who cancels by replying to a reminder gets the inbox's answer instead:
    :class:`~prm.application.communications.reminders_ports.AppointmentReplies` cancels with
    ``notify_patient`` false. No notice when the appointment is gone (deleted since).
    """

    def __init__(self, facts: AppointmentFacts, messages: AppointmentMessages, uow: UnitOfWork) -> None:
        self._facts = facts
        self._messages = messages
        self._uow = uow

    async def __call__(self, event: PublishedEvent) -> None:
        appointment_id = UUID(str(event.payload.get("appointment_id", event.aggregate_id)))
        await self._messages.cancel_reminders(appointment_id)
        if bool(event.payload.get("notify_patient", True)):
            details = await self._facts.appointment(appointment_id)
            if details is not None:
                starts_at = payload_instant(event.payload, "starts_at")
                contact = await self._messages.contact(details.patient_id)
                await self._messages.notice("cancellation", details, contact, starts_at)
        await self._uow.commit()
