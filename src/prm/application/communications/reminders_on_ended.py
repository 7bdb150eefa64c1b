"""On an appointment that will not take place as booked, or has: its reminders cancelled."""

from uuid import UUID

from prm.application.communications.reminders_messages import AppointmentMessages
from prm.application.shared.events import EventHandler, PublishedEvent
from prm.application.shared.ports import UnitOfWork

ENDING_EVENT_TYPES = (
    "appointment.deleted",
    "appointment.no_show",
    "appointment.fulfilled",
    "appointment.status_changed",
)
"""The events :class:`StopAppointmentReminders` is registered for."""


class StopAppointmentReminders(EventHandler):
    """Registered for :data:`ENDING_EVENT_TYPES`: cancels the appointment's pending reminders and
    commits; for ``appointment.status_changed``, only when the new ``status`` is not ``booked``
    (arrived, checked-in, entered-in-error...). Sends nothing. Idempotent."""

    def __init__(self, messages: AppointmentMessages, uow: UnitOfWork) -> None:
        self._messages = messages
        self._uow = uow

    async def __call__(self, event: PublishedEvent) -> None:
        if event.type == "appointment.status_changed" and event.payload.get("status") == "booked":
            return
        appointment_id = UUID(str(event.payload.get("appointment_id", event.aggregate_id)))
        await self._messages.cancel_reminders(appointment_id)
        await self._uow.commit()
