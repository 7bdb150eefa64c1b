"""Communications context wiring: the reminders part (appointment notices, reminders, waitlist
offers; the patient's replies to reminders for the inbox part).

``JOBS`` (task name to job handler class), ``EVENTS`` (event type to handler classes) and
``PERIODIC`` are merged into :mod:`prm.ioc.jobs` and :mod:`prm.ioc.events`. Needs
``OutgoingMessages`` and ``PatientContacts`` (messages part) and ``VirtualVisits`` (virtual visits part).
"""

from collections.abc import Mapping

from dishka import Provider, Scope, provide, provide_all

from prm.adapters.communications.reminders_appointments import (
    AppointmentFactsFromAppointments,
    AppointmentRepliesFromAppointments,
)
from prm.application.appointments.confirm_appointment import ConfirmAppointment
from prm.application.communications.reminders_messages import AppointmentMessages
from prm.application.communications.reminders_on_booked import QueueBookingMessages
from prm.application.communications.reminders_on_cancelled import CancelAppointmentReminders
from prm.application.communications.reminders_on_ended import ENDING_EVENT_TYPES, StopAppointmentReminders
from prm.application.communications.reminders_on_rescheduled import MoveAppointmentReminders
from prm.application.communications.reminders_on_waitlist_offer import SendWaitlistOffer
from prm.application.communications.reminders_ports import AppointmentFacts, AppointmentReplies, ReminderSettings
from prm.application.shared.events import EventHandler
from prm.application.shared.jobs import JobHandler
from prm.ioc.periodic import Periodic

JOBS: Mapping[str, type[JobHandler]] = {}
EVENTS: Mapping[str, tuple[type[EventHandler], ...]] = {
    "appointment.booked": (QueueBookingMessages,),
    "appointment.rescheduled": (MoveAppointmentReminders,),
    "appointment.cancelled": (CancelAppointmentReminders,),
    **dict.fromkeys(ENDING_EVENT_TYPES, (StopAppointmentReminders,)),
    "waitlist.offer_made": (SendWaitlistOffer,),
}
PERIODIC: tuple[Periodic, ...] = ()


class CommunicationsRemindersProvider(Provider):
    """The reminders part. Needs ``VirtualVisits`` (join links) from the virtual visits part's
    provider, and ``OutgoingMessages`` / ``PatientContacts`` from the messages part's."""

    scope = Scope.REQUEST

    facts = provide(AppointmentFactsFromAppointments, provides=AppointmentFacts)
    replies = provide(AppointmentRepliesFromAppointments, provides=AppointmentReplies)
    use_cases = provide_all(
        ConfirmAppointment,
        AppointmentMessages,
        QueueBookingMessages,
        MoveAppointmentReminders,
        CancelAppointmentReminders,
        StopAppointmentReminders,
        SendWaitlistOffer,
    )

    @provide(scope=Scope.APP)
    def reminder_settings(self) -> ReminderSettings:
        """The default offsets (72 h, 24 h) until a per-tenant setting replaces them."""
        return ReminderSettings()
