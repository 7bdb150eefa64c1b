"""FHIR R4 ``Appointment`` resource (JSON, decoded) → PRM's booking and update commands.

The inverse of :mod:`prm.adapters.fhir.appointment` (https://hl7.org/fhir/R4/appointment.html):

- ``participant[].actor.reference``: ``Patient/{id}`` (required), ``Practitioner/{id}``
  (required), ``Location/{id}`` (optional), PRM ids; other actors are ignored;
- ``start`` and ``end``: instants with a zone (required);
- ``status``: a FHIR AppointmentStatus (default ``booked``);
- ``appointmentType``: its ``text``, else its first coding's ``code`` (v2-0276 ``ROUTINE`` ...);
- ``reasonCode[0].text``.

``id``, ``meta``, ``created``, ``minutesDuration`` (derived from start and end), participant
status and ``cancelationReason`` (cancelling has its own action) are not read. Errors raise
:class:`InvalidResource` naming the element (``Appointment.start``).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from prm.application.appointments.book_appointment import BookAppointmentCommand
from prm.application.fhir.errors import InvalidResource
from prm.domain.appointments.ids import LocationId
from prm.domain.appointments.model import AppointmentStatus
from prm.domain.shared.ids import PatientId, PractitionerId


@dataclass(frozen=True, slots=True, kw_only=True)
class FhirAppointment:
    """A decoded Appointment: its ``id`` (``None`` when absent) and what PRM keeps of it."""

    id: str | None
    patient_id: PatientId
    practitioner_id: PractitionerId
    location_id: LocationId | None
    starts_at: datetime
    ends_at: datetime
    status: AppointmentStatus
    appointment_type: str | None
    reason_text: str | None

    def booking(self) -> BookAppointmentCommand:
        return BookAppointmentCommand(
            patient_id=self.patient_id,
            practitioner_id=self.practitioner_id,
            location_id=self.location_id,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            appointment_type=self.appointment_type,
            reason_text=self.reason_text,
            source_channel="fhir",
            status=self.status,
        )


def appointment_input(resource: object) -> FhirAppointment:
    """Read a FHIR R4 Appointment (see the module docstring); raises :class:`InvalidResource`."""
    if not isinstance(resource, Mapping):
        raise InvalidResource("the body is not a FHIR resource (a JSON object)", field="Appointment")
    if resource.get("resourceType") != "Appointment":
        raise InvalidResource("resourceType must be Appointment", field="Appointment.resourceType")
    actors = _actors(resource.get("participant"))
    if "Patient" not in actors:
        raise InvalidResource("a participant must be the Patient/{id}", field="Appointment.participant")
    if "Practitioner" not in actors:
        raise InvalidResource("a participant must be the Practitioner/{id}", field="Appointment.participant")
    status = resource.get("status", AppointmentStatus.BOOKED.value)
    try:
        chosen = AppointmentStatus(status)
    except ValueError:
        allowed = " | ".join(s.value for s in AppointmentStatus)
        raise InvalidResource(f"status must be one of {allowed}", field="Appointment.status") from None
    resource_id = resource.get("id")
    return FhirAppointment(
        id=resource_id if isinstance(resource_id, str) else None,
        patient_id=PatientId(actors["Patient"]),
        practitioner_id=PractitionerId(actors["Practitioner"]),
        location_id=LocationId(actors["Location"]) if "Location" in actors else None,
        starts_at=_instant(resource.get("start"), "start"),
        ends_at=_instant(resource.get("end"), "end"),
        status=chosen,
        appointment_type=_type(resource.get("appointmentType")),
        reason_text=_reason(resource.get("reasonCode")),
    )


def _actors(participants: object) -> dict[str, UUID]:
    if not isinstance(participants, list) or not participants:
        raise InvalidResource("participant must be a non-empty array", field="Appointment.participant")
    found: dict[str, UUID] = {}
    for index, participant in enumerate(participants):
        path = f"Appointment.participant[{index}].actor.reference"
        actor = participant.get("actor") if isinstance(participant, Mapping) else None
        reference = actor.get("reference") if isinstance(actor, Mapping) else None
        if not isinstance(reference, str):
            continue
        kind, _, rest = reference.strip().partition("/")
        if kind not in {"Patient", "Practitioner", "Location"}:
            continue
        try:
            found.setdefault(kind, UUID(rest))
        except ValueError:
            raise InvalidResource(f"{kind} reference must be {kind}/<PRM id>", field=path) from None
    return found


def _instant(value: object, element: str) -> datetime:
    path = f"Appointment.{element}"
    if not isinstance(value, str):
        raise InvalidResource(f"{element} is required, an instant such as 2027-01-02T09:00:00Z", field=path)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidResource(f"{element} is not an instant", field=path) from None
    if moment.tzinfo is None:
        raise InvalidResource(f"{element} needs a time zone (Z or +hh:mm)", field=path)
    return moment


def _type(concept: Any) -> str | None:
    if not isinstance(concept, Mapping):
        return None
    text = concept.get("text")
    if isinstance(text, str) and text.strip():
        return text.strip()
    for coding in concept.get("coding") or []:
        if isinstance(coding, Mapping) and isinstance(coding.get("code"), str):
            return str(coding["code"])
    return None


def _reason(codes: Any) -> str | None:
    if not isinstance(codes, list):
        return None
    for code in codes:
        if isinstance(code, Mapping) and isinstance(code.get("text"), str) and code["text"].strip():
            return str(code["text"]).strip()
    return None
