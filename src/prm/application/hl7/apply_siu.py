"""Applying an SIU message (HL7 v2.5.1 chapter 10): the appointment changes each trigger makes,
through the appointments context's use cases. A part of :class:`ApplyHl7Message`, not a use case
of its own (it does not commit)."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from prm.application.hl7.ports import (
    AppointmentBook,
    AppointmentLinks,
    ExternalBooking,
    PatientRegistry,
    SiuContent,
)
from prm.domain.hl7.model import Hl7Change, Hl7Error, Hl7ErrorCode, Hl7Message
from prm.domain.shared.errors import DomainError, RuleViolated

ACTIONS = {
    "S12": "booked",
    "S13": "rescheduled",
    "S14": "updated",
    "S15": "cancelled",
    "S17": "entered-in-error",
    "S26": "noshow",
}
"""The ``appointment`` change each trigger records: new (FHIR Appointment.status ``booked``),
rescheduled, modified, cancelled, deleted (``entered-in-error``: it should never have existed)
and no-show (``noshow``)."""


class SiuRefused(RuleViolated):
    """An SIU message PRM cannot apply; ``error`` names the segment and field at fault (ERR)."""

    code = "hl7.siu_refused"

    def __init__(self, error: Hl7Error) -> None:
        super().__init__(error.text)
        self.error = error


@dataclass(frozen=True, slots=True)
class SiuApplier:
    """The other contexts an SIU message changes."""

    patients: PatientRegistry
    appointments: AppointmentBook
    links: AppointmentLinks

    async def __call__(
        self, message: Hl7Message, content: SiuContent, changes: list[Hl7Change], warnings: list[Hl7Error]
    ) -> None:
        """Apply ``content``, appending to ``changes`` and ``warnings`` (an AIL-3 location PRM
        does not know: booked without one); raises :class:`SiuRefused` (an unknown appointment
        or practitioner, no time) or the other contexts' ``DomainError``."""
        facility = message.header.sending_facility
        linked = await self.links.find(facility, content.placer_id, content.filler_id)
        trigger = content.trigger
        if trigger == "S12":
            if linked is not None:
                raise SiuRefused(
                    _sch_error(content, Hl7ErrorCode.APPLICATION_ERROR, "is booked already (S13/S14 change it)")
                )
            appointment_id = await self._book(content, changes, warnings)
            await self.links.link(facility, content.placer_id, content.filler_id, appointment_id)
        else:
            if linked is None:
                raise SiuRefused(_sch_error(content, Hl7ErrorCode.UNKNOWN_KEY, "names no appointment PRM knows"))
            appointment_id = linked
            if trigger in {"S13", "S14"}:
                # S14 modifies what it carries: without any time (TQ1, SCH-11, AIS-4) it keeps the
                # appointment's own; S13 is a move and needs them (HL7 v2.5.1 chapter 10.3).
                keep = trigger == "S14" and content.starts_at is None and content.ends_at is None
                starts_at, ends_at = (None, None) if keep else _times(content)
                moved = await self.appointments.reschedule(
                    appointment_id, starts_at, ends_at, content.appointment_type, content.reason_text
                )
                if not moved:
                    return
            elif trigger == "S15":
                await self.appointments.cancel(appointment_id)
            elif trigger == "S17":
                await self.appointments.enter_in_error(appointment_id)
            else:
                await self.appointments.no_show(appointment_id)
        changes.append(Hl7Change("appointment", appointment_id, ACTIONS[trigger]))

    async def _book(self, content: SiuContent, changes: list[Hl7Change], warnings: list[Hl7Error]) -> UUID:
        patient = content.patient
        if patient is None or not patient.identifiers:
            raise SiuRefused(Hl7Error("PID", 3, Hl7ErrorCode.REQUIRED_FIELD_MISSING, "PID-3 names no patient"))
        starts_at, ends_at = _times(content)
        practitioner_id = await self.appointments.practitioner(content.practitioners)
        if practitioner_id is None:
            text = "AIP-3 names no practitioner PRM knows" if content.practitioners else "no AIP-3 personnel"
            raise SiuRefused(Hl7Error("AIP", 3, Hl7ErrorCode.UNKNOWN_KEY, text))
        location_id = await self.appointments.location(content.locations)
        if location_id is None and content.locations:
            text = f"AIL-3 names no location PRM knows ({content.locations[0]}): booked without one"
            warnings.append(Hl7Error("AIL", 3, Hl7ErrorCode.UNKNOWN_KEY, text))
        outcome = await self.patients.upsert(patient)
        changes.append(Hl7Change("patient", outcome.patient_id, outcome.action))
        return await self.appointments.record(
            ExternalBooking(
                patient_id=outcome.patient_id,
                practitioner_id=practitioner_id,
                starts_at=starts_at,
                ends_at=ends_at,
                appointment_type=content.appointment_type,
                reason_text=content.reason_text,
                location_id=location_id,
            )
        )


def _times(content: SiuContent) -> tuple[datetime, datetime]:
    if content.starts_at is None:
        raise SiuRefused(
            Hl7Error("SCH", 11, Hl7ErrorCode.REQUIRED_FIELD_MISSING, "no start time in TQ1-7, SCH-11 or AIS-4")
        )
    if content.ends_at is None:
        raise SiuRefused(
            Hl7Error("SCH", 9, Hl7ErrorCode.REQUIRED_FIELD_MISSING, "no end time (TQ1-8) or duration (SCH-9, AIS-7)")
        )
    return content.starts_at, content.ends_at


def _sch_error(content: SiuContent, code: Hl7ErrorCode, what: str) -> Hl7Error:
    if content.placer_id:
        return Hl7Error("SCH", 1, code, f"SCH-1 placer appointment id {content.placer_id} {what}")
    return Hl7Error("SCH", 2, code, f"SCH-2 filler appointment id {content.filler_id} {what}")


def siu_error(exc: DomainError) -> Hl7Error:
    """The ERR of a refusal: the field :class:`SiuRefused` names, else SCH for another context's rule."""
    if isinstance(exc, SiuRefused):
        return exc.error
    return Hl7Error("SCH", None, Hl7ErrorCode.APPLICATION_ERROR, exc.detail)
