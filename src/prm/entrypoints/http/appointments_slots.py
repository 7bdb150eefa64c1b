"""Availability and conversational booking under ``/api/v1/prm/appointments``: free slots, and
find-slots / select-slot (slots held for a patient, then booked from the patient's reply).

Local times are in each location's zone; times on the wire carry an offset, responses are UTC.
"""

from datetime import date, timedelta
from typing import Annotated
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get, post
from litestar.params import FromQuery, JSONBody, QueryParameter

from prm.application.appointments.find_slots import FindSlots, FindSlotsCommand
from prm.application.appointments.get_availability import AvailabilityQuery, GetAvailability
from prm.application.appointments.select_slot import SelectSlot, SelectSlotCommand
from prm.domain.appointments.ids import ConversationId, LocationId
from prm.domain.shared.ids import PatientId, PractitionerId
from prm.entrypoints.http.appointments import WRITE, DateQuery
from prm.entrypoints.http.appointments_schemas import appointment_response
from prm.entrypoints.http.appointments_slots_schemas import (
    AvailabilityResponse,
    FindSlotsRequest,
    FindSlotsResponse,
    HeldSlotResponse,
    SelectSlotRequest,
    SelectSlotResponse,
    local_text,
    slot_response,
)
from prm.entrypoints.http.problems import problem_responses


class AppointmentSlotController(Controller):
    path = "/appointments"
    tags = ("appointments",)

    @get(
        "/availability",
        opt={"permission": "schedules:read"},
        responses=problem_responses(404, 422),
        summary="Free slots",
    )
    @inject
    async def availability(
        self,
        get_availability: FromDishka[GetAvailability],
        practitioner_id: FromQuery[UUID | None] = None,
        speciality: FromQuery[Annotated[str | None, QueryParameter(max_length=200)]] = None,
        location_id: FromQuery[UUID | None] = None,
        on_date: FromQuery[
            Annotated[date | None, QueryParameter(name="date", description="YYYY-MM-DD, from 1900-01-01 to 2200-12-31")]
        ] = None,
        start_date: FromQuery[DateQuery] = None,
        end_date: FromQuery[DateQuery] = None,
        duration: FromQuery[Annotated[int | None, QueryParameter(ge=5, le=480, description="minutes")]] = None,
    ) -> AvailabilityResponse:
        """Free slots of a practitioner (or of every active practitioner of a ``speciality``) on
        ``date``, or from ``start_date`` (default today) to ``end_date`` (default a week): local
        dates of each location, from 1900-01-01 to 2200-12-31, at most 62 days. ``duration`` in
        minutes defaults to the schedule's slot length. Each slot's ``time_slot_id`` books it."""
        found = await get_availability(
            AvailabilityQuery(
                practitioner_id=PractitionerId(practitioner_id) if practitioner_id else None,
                speciality=speciality,
                location_id=LocationId(location_id) if location_id else None,
                on_date=on_date,
                start_date=start_date,
                end_date=end_date,
                duration=timedelta(minutes=duration) if duration else None,
            )
        )
        slots = [slot_response(s) for s in found.slots]
        return AvailabilityResponse(
            start_date=found.dates.first, end_date=found.dates.last, count=len(slots), slots=slots
        )

    @post("/find-slots", opt=WRITE, responses=problem_responses(404, 422), summary="Find and hold slots")
    @inject
    async def find_slots(self, data: JSONBody[FindSlotsRequest], find: FromDishka[FindSlots]) -> FindSlotsResponse:
        """Up to ``count`` slots matching the preferences (local dates from ``start_date``, default
        today, to ``end_date``, default 14 days; at most 62 days), held for the patient for a few
        minutes; ``message`` lists them numbered, in each location's wall-clock time and zone."""
        found = await find(
            FindSlotsCommand(
                patient_id=PatientId(data.patient_id),
                practitioner_id=PractitionerId(data.practitioner_id) if data.practitioner_id else None,
                speciality=data.speciality,
                location_id=LocationId(data.location_id) if data.location_id else None,
                start_date=data.start_date,
                end_date=data.end_date,
                part_of_day=data.part_of_day,
                weekdays=tuple(data.weekdays),
                duration=timedelta(minutes=data.duration) if data.duration else None,
                count=data.count,
            )
        )
        slots = [
            HeldSlotResponse(
                number=hold.ordinal or 0,
                hold_id=hold.id,
                practitioner_id=hold.practitioner_id,
                location_id=hold.location_id,
                start_time=hold.slot.starts_at,
                end_time=hold.slot.ends_at,
                local_start=slot.local_start,
                time_zone=slot.time_zone,
            )
            for hold, slot in found.choices
        ]
        if slots:
            lines = [f"{s.number}. {local_text(s.local_start, s.time_zone)}" for s in slots]
            message = "Reply with the number of the time you want:\n" + "\n".join(lines)
        else:
            message = "There are no free times matching your preferences. Try other dates or times."
        return FindSlotsResponse(
            conversation_id=found.conversation_id, expires_at=found.expires_at, slots=slots, message=message
        )

    @post("/select-slot", opt=WRITE, status_code=201, responses=problem_responses(404, 409, 422))
    @inject
    async def select_slot(
        self, data: JSONBody[SelectSlotRequest], select: FromDishka[SelectSlot]
    ) -> SelectSlotResponse:
        """Book the slot the patient's ``reply`` names (its number, or its date and time); the
        confirmation gives the same local time and zone as the offer."""
        selected = await select(
            SelectSlotCommand(
                conversation_id=ConversationId(data.conversation_id),
                patient_id=PatientId(data.patient_id),
                reply=data.reply,
                appointment_type=data.appointment_type,
                reason_text=data.reason_text,
            )
        )
        booked = selected.appointment
        return SelectSlotResponse(
            appointment=appointment_response(booked),
            local_start=selected.local_start,
            local_end=selected.local_end,
            time_zone=selected.time_zone,
            message=f"Booked: {local_text(selected.local_start, selected.time_zone)}. Reference {str(booked.id)[-8:]}.",
        )
