"""An appointment's messages: the notices (confirmation, rescheduled, cancellation) and the
reminders, as :class:`~prm.application.communications.contracts.MessageRequest`\\ s with their
template variables, queued through :class:`~prm.application.communications.contracts.OutgoingMessages`.

Template variables are those the built-in templates declare
(:data:`prm.application.communications.templates_builtin.BUILTIN_VARIABLES`): ``patient_name``
(the given name), ``clinic_name`` (the tenant's name), ``appointment_date`` / ``appointment_time``
in the appointment's local time (``Tuesday 8 December``, ``14:30``), ``practitioner_name``,
``location_name`` (not for a virtual visit), ``join_url`` (a virtual visit's PRM join link, from
the virtual visits part's :class:`~prm.application.communications.virtual_visits_ports.VirtualVisits`),
``reply_confirm`` / ``reply_cancel`` (reminders only). The channel is SMS when the patient has a
phone, else email; with neither, SMS, which the messages part blocks with its reason
(``no_address``), so the attempt is visible.
"""

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import structlog

from prm.application.communications.contracts import MessageRequest, OutgoingMessages, PatientContact, PatientContacts
from prm.application.communications.reminders_ports import AppointmentDetails, ReminderSettings
from prm.application.communications.templates_builtin import (
    APPOINTMENT_CANCELLATION,
    APPOINTMENT_CONFIRMATION,
    APPOINTMENT_REMINDER,
    APPOINTMENT_RESCHEDULED,
)
from prm.application.communications.virtual_visits_ports import VirtualVisits
from prm.domain.communications.channels import Channel, TemplateCategory
from prm.domain.communications.reminders import (
    REPLY_CANCEL,
    REPLY_CONFIRM,
    local_date_text,
    local_time_text,
    notice_key,
    reminder_key,
    reminders_due,
)
from prm.domain.shared.ids import PatientId

log = structlog.get_logger(__name__)

REMINDER_EVENT_TYPE = "appointment.reminder"
"""``MessageRequest.event_type`` of reminders (per-event preferences know them by it)."""

_NOTICES = {
    # kind: (template, event type the notice is about)
    "confirmation": (APPOINTMENT_CONFIRMATION, "appointment.booked"),
    "rescheduled": (APPOINTMENT_RESCHEDULED, "appointment.rescheduled"),
    "cancellation": (APPOINTMENT_CANCELLATION, "appointment.cancelled"),
}


def payload_instant(payload: Mapping[str, Any], name: str) -> datetime:
    """A time of an event's payload (RFC 3339, UTC). Raises ``ValueError`` when missing or naive."""
    value = payload.get(name)
    if not isinstance(value, str):
        raise ValueError(f"the event has no {name}")
    instant = datetime.fromisoformat(value)
    if instant.tzinfo is None:
        raise ValueError(f"the event's {name} has no UTC offset")
    return instant


def choose_channel(contact: PatientContact | None) -> Channel:
    """SMS when the patient has a phone, else email when they have an address, else SMS."""
    if contact is not None and not contact.phones and contact.emails:
        return Channel.EMAIL
    return Channel.SMS


def appointment_variables(
    details: AppointmentDetails, contact: PatientContact | None, starts_at: datetime
) -> dict[str, object]:
    """The built-in appointment templates' variables for an appointment starting at ``starts_at``."""
    zone = ZoneInfo(details.time_zone)
    variables: dict[str, object] = {
        "patient_name": (contact.given_name if contact else None) or "",
        "clinic_name": details.clinic_name,
        "appointment_date": local_date_text(starts_at, zone),
        "appointment_time": local_time_text(starts_at, zone),
        "practitioner_name": details.practitioner_name or "",
    }
    if details.location_name and not details.is_virtual:
        variables["location_name"] = details.location_name
    if details.join_url:
        variables["join_url"] = details.join_url
    return variables


class AppointmentMessages:
    """Queues an appointment's notices and reminders in the caller's unit of work (no commit)."""

    def __init__(
        self,
        outgoing: OutgoingMessages,
        contacts: PatientContacts,
        visits: VirtualVisits,
        settings: ReminderSettings,
    ) -> None:
        self._outgoing = outgoing
        self._contacts = contacts
        self._visits = visits
        self._settings = settings

    async def contact(self, patient_id: PatientId) -> PatientContact | None:
        return await self._contacts.get(patient_id)

    async def notice(
        self,
        kind: str,
        details: AppointmentDetails,
        contact: PatientContact | None,
        starts_at: datetime,
        *,
        occasion: UUID | None = None,
    ) -> UUID:
        """Queue the ``kind`` notice (``confirmation``, ``rescheduled``, ``cancellation``) now;
        its key is :func:`~prm.domain.communications.reminders.notice_key` (with ``occasion``,
        the event's id, for a reschedule)."""
        template, event_type = _NOTICES[kind]
        if kind == "cancellation":
            variables = appointment_variables(details, contact, starts_at)
            variables = {k: v for k, v in variables.items() if k not in {"location_name", "join_url"}}
        else:
            variables = appointment_variables(await self._with_join_url(details), contact, starts_at)
        message_id = await self._outgoing.queue(
            MessageRequest(
                patient_id=details.patient_id,
                channel=choose_channel(contact),
                template_name=template,
                template_vars=variables,
                category=TemplateCategory.APPOINTMENT.value,
                event_type=event_type,
                appointment_id=details.appointment_id,
                dedup_key=notice_key(kind, details.appointment_id, starts_at, occasion),
            )
        )
        log.info("appointment_notice.queued", appointment_id=str(details.appointment_id), kind=kind)
        return message_id

    async def reminders(
        self,
        details: AppointmentDetails,
        contact: PatientContact | None,
        starts_at: datetime,
        *,
        now: datetime,
        confirmation_at: datetime | None,
        occasion: UUID | None = None,
    ) -> list[UUID]:
        """Queue the reminders still ahead (:func:`~prm.domain.communications.reminders.reminders_due`),
        each ``scheduled_for`` its due time (UTC); ``occasion`` as for :meth:`notice`."""
        due = reminders_due(starts_at, now=now, offsets=self._settings.offsets, confirmation_at=confirmation_at)
        variables = {
            **appointment_variables(await self._with_join_url(details), contact, starts_at),
            "reply_confirm": REPLY_CONFIRM,
            "reply_cancel": REPLY_CANCEL,
        }
        channel = choose_channel(contact)
        ids = []
        for reminder in due:
            ids.append(
                await self._outgoing.queue(
                    MessageRequest(
                        patient_id=details.patient_id,
                        channel=channel,
                        template_name=APPOINTMENT_REMINDER,
                        template_vars=variables,
                        category=TemplateCategory.REMINDER.value,
                        event_type=REMINDER_EVENT_TYPE,
                        scheduled_for=reminder.due_at,
                        appointment_id=details.appointment_id,
                        dedup_key=reminder_key(details.appointment_id, reminder, starts_at, occasion),
                    )
                )
            )
        log.info(
            "appointment_reminders.queued",
            appointment_id=str(details.appointment_id),
            reminders=len(due),
            skipped=len(self._settings.offsets) - len(due),
        )
        return ids

    async def _with_join_url(self, details: AppointmentDetails) -> AppointmentDetails:
        """The patient's join link of a virtual visit, from the virtual visits part (which makes
        the visit if needed, and says ``None`` for an appointment that is not virtual)."""
        if details.join_url is not None:
            return details
        join_url = await self._visits.join_url(details.appointment_id)
        return details if join_url is None else replace(details, join_url=join_url, is_virtual=True)

    async def cancel_reminders(self, appointment_id: UUID) -> int:
        cancelled = await self._outgoing.cancel_pending(
            appointment_id=appointment_id, categories=[TemplateCategory.REMINDER.value]
        )
        log.info("appointment_reminders.cancelled", appointment_id=str(appointment_id), reminders=cancelled)
        return cancelled
