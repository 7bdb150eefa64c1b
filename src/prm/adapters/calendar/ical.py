"""iCalendar (RFC 5545) export of appointments with the ``icalendar`` library.

Each appointment is a ``VEVENT`` whose ``DTSTART``/``DTEND`` carry the location's IANA zone
(``TZID=Europe/London``) with the matching ``VTIMEZONE`` components, so calendar apps show the
clinic's wall-clock time; appointments without a location are written in UTC. ``UID`` is
``<appointment id>@prm``; cancelled appointments are ``STATUS:CANCELLED``. No patient name or
reason text goes into the file (subscribed calendars leave the clinic): the summary is the type.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime

from icalendar import Calendar, Event

from prm.domain.appointments.ids import LocationId
from prm.domain.appointments.model import Appointment, AppointmentStatus
from prm.domain.appointments.schedule import Location

_STATUS = {
    AppointmentStatus.CANCELLED: "CANCELLED",
    AppointmentStatus.PROPOSED: "TENTATIVE",
    AppointmentStatus.PENDING: "TENTATIVE",
}


def render_calendar(
    appointments: Sequence[Appointment],
    locations: Mapping[LocationId, Location],
    *,
    name: str,
    now: datetime,
) -> bytes:
    """The ``text/calendar`` body for ``appointments``; ``name`` becomes ``X-WR-CALNAME``."""
    calendar = Calendar()
    calendar.add("prodid", "-//PRM//Appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for appointment in appointments:
        location = locations.get(appointment.location_id) if appointment.location_id else None
        tz = location.zone if location else None
        event = Event()
        event.add("uid", f"{appointment.id}@prm")
        event.add("dtstamp", now)
        event.add("dtstart", appointment.slot.starts_at.astimezone(tz) if tz else appointment.slot.starts_at)
        event.add("dtend", appointment.slot.ends_at.astimezone(tz) if tz else appointment.slot.ends_at)
        event.add("summary", (appointment.appointment_type or "Appointment").replace("_", " ").capitalize())
        event.add("status", _STATUS.get(appointment.status, "CONFIRMED"))
        event.add("sequence", appointment.version - 1)
        event.add("last-modified", appointment.updated_at)
        if location is not None:
            event.add("location", location.name)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    body: bytes = calendar.to_ical()
    return body
