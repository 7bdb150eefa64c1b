"""PRM appointment → FHIR R4 ``Appointment`` resource (https://hl7.org/fhir/R4/appointment.html).

- ``status``: PRM's status is already a FHIR AppointmentStatus code (http://hl7.org/fhir/appointmentstatus);
- ``cancelationReason``: coded in http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason;
- ``appointmentType``: coded in HL7 v2 table 0276 (``ROUTINE``, ``WALKIN``, ``CHECKUP``,
  ``FOLLOWUP``, ``EMERGENCY``) when PRM's free-text type is one of them (any case), else ``text``;
- ``reasonCode[0].text``: the reason as written; ``identifier``: the source system's id
  (``urn:prm:external-id``);
- ``start``/``end`` instants in UTC, ``minutesDuration``, ``created`` (the booking time);
- ``participant[]``: the patient, the practitioner (``type`` v3-ParticipationType ``PPRF``) and
  the location (``LOC``) when there is one; ``status`` ``needs-action`` while the appointment is
  proposed, pending or on the waitlist, else ``accepted``; ``required`` ``required``.

PRM has no service type on an appointment: ``serviceType`` is left out.
"""

from typing import Any

from prm.adapters.fhir.patient import instant
from prm.domain.appointments.model import Appointment, AppointmentStatus

APPOINTMENT_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0276"
CANCELLATION_REASON_SYSTEM = "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason"
PARTICIPATION_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
EXTERNAL_ID_SYSTEM = "urn:prm:external-id"

_APPOINTMENT_TYPES = {
    "ROUTINE": "Routine appointment - default if not valued",
    "WALKIN": "A previously unscheduled walk-in visit",
    "CHECKUP": "A routine check-up, such as an annual physical",
    "FOLLOWUP": "A follow up visit from a previous appointment",
    "EMERGENCY": "Emergency appointment",
}
_AWAITING = frozenset({AppointmentStatus.PROPOSED, AppointmentStatus.PENDING, AppointmentStatus.WAITLIST})


def appointment_resource(appointment: Appointment) -> dict[str, Any]:
    """The FHIR R4 Appointment for ``appointment`` (see the module docstring); empty elements are left out."""
    a = appointment
    resource: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": str(a.id),
        "meta": {"versionId": str(a.version), "lastUpdated": instant(a.updated_at)},
    }
    if a.external_id:
        resource["identifier"] = [{"system": EXTERNAL_ID_SYSTEM, "value": a.external_id}]
    resource["status"] = a.status.value
    if a.cancellation_reason:
        resource["cancelationReason"] = {
            "coding": [{"system": CANCELLATION_REASON_SYSTEM, "code": a.cancellation_reason.value}]
        }
    if a.appointment_type:
        resource["appointmentType"] = appointment_type(a.appointment_type)
    if a.reason_text:
        resource["reasonCode"] = [{"text": a.reason_text}]
    resource["start"] = instant(a.slot.starts_at)
    resource["end"] = instant(a.slot.ends_at)
    resource["minutesDuration"] = max(1, int(a.slot.duration.total_seconds() // 60))
    resource["created"] = instant(a.created_at)
    status = "needs-action" if a.status in _AWAITING else "accepted"
    participants = [
        _participant(f"Patient/{a.patient_id}", status),
        _participant(f"Practitioner/{a.practitioner_id}", status, "PPRF", "primary performer"),
    ]
    if a.location_id:
        participants.append(_participant(f"Location/{a.location_id}", status, "LOC", "location"))
    resource["participant"] = participants
    return resource


def appointment_type(text: str) -> dict[str, Any]:
    """A v2-0276 coding when ``text`` is one of its codes (any case, spaces and dashes ignored), else ``text``."""
    code = text.replace("-", "").replace(" ", "").upper()
    if code in _APPOINTMENT_TYPES:
        return {
            "coding": [{"system": APPOINTMENT_TYPE_SYSTEM, "code": code, "display": _APPOINTMENT_TYPES[code]}],
            "text": text,
        }
    return {"text": text}


def _participant(
    reference: str, status: str, type_code: str | None = None, display: str | None = None
) -> dict[str, Any]:
    participant: dict[str, Any] = {}
    if type_code:
        participant["type"] = [
            {"coding": [{"system": PARTICIPATION_TYPE_SYSTEM, "code": type_code, "display": display}]}
        ]
    participant["actor"] = {"reference": reference}
    participant["required"] = "required"
    participant["status"] = status
    return participant
