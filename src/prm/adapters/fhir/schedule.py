"""PRM schedule and free slot → FHIR R4 ``Schedule`` (https://hl7.org/fhir/R4/schedule.html) and
``Slot`` (https://hl7.org/fhir/R4/slot.html) resources.

Schedule: ``active`` true; ``actor``: ``Practitioner/{id}`` and ``Location/{id}``;
``planningHorizon``: ``valid_from`` to ``valid_until`` (dates; no end when open-ended);
``comment``: the weekly hours in the location's local wall-clock time, the slot length and buffer
(FHIR R4 has no structured element for recurring availability).

Slot: ``schedule`` ``Schedule/{id}``; ``status`` ``free`` (PRM computes free slots only: booked
time is an Appointment); ``start``/``end`` instants in UTC; ``id`` is the availability
endpoint's ``time_slot_id``, which books the slot.
"""

from typing import Any

from prm.adapters.fhir.patient import instant
from prm.application.appointments.schedule_slots import ScheduleSlot
from prm.domain.appointments.schedule import Schedule


def schedule_resource(schedule: Schedule) -> dict[str, Any]:
    """The FHIR R4 Schedule for ``schedule`` (see the module docstring)."""
    horizon = {"start": schedule.valid_from.isoformat()}
    if schedule.valid_until is not None:
        horizon["end"] = schedule.valid_until.isoformat()
    hours = "; ".join(
        f"{', '.join(d.value for d in rule.weekdays)} {rule.start:%H:%M}-{rule.end:%H:%M}" for rule in schedule.rules
    )
    return {
        "resourceType": "Schedule",
        "id": str(schedule.id),
        "meta": {"lastUpdated": instant(schedule.created_at)},
        "active": True,
        "actor": [
            {"reference": f"Practitioner/{schedule.practitioner_id}"},
            {"reference": f"Location/{schedule.location_id}"},
        ],
        "planningHorizon": horizon,
        "comment": (
            f"{hours} (local time at the location); {schedule.slot_minutes}-minute slots, "
            f"{schedule.buffer_minutes} minutes between them"
        ),
    }


def slot_resource(found: ScheduleSlot) -> dict[str, Any]:
    """The FHIR R4 Slot of a free slot (see the module docstring)."""
    return {
        "resourceType": "Slot",
        "id": str(found.slot.slot_id),
        "schedule": {"reference": f"Schedule/{found.schedule_id}"},
        "status": "free",
        "start": instant(found.slot.slot.starts_at),
        "end": instant(found.slot.slot.ends_at),
    }
