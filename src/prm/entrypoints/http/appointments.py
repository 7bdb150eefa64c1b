"""The appointments API under ``/api/v1/prm/appointments`` (reference: "Appointments API"), with
conflicts, statistics, calendar export and ``/patients/{id}/appointments`` (availability and
conversational booking: :mod:`prm.entrypoints.http.appointments_slots`).

Statuses and cancellation reasons are FHIR R4 Appointment codes. Times on the wire carry an
offset; responses are UTC, with ``local_*`` fields in the location's zone where it matters.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, delete, get, patch, post
from litestar.openapi.spec import Operation, RequestBody
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from msgspec import UNSET

from prm.adapters.calendar.ical import render_calendar
from prm.application.appointments.appointment_stats import GetAppointmentStats
from prm.application.appointments.book_appointment import BookAppointment, BookAppointmentCommand
from prm.application.appointments.cancel_appointment import CancelAppointment, CancelAppointmentCommand
from prm.application.appointments.check_conflicts import CheckConflicts
from prm.application.appointments.delete_appointment import DeleteAppointment
from prm.application.appointments.get_appointment import GetAppointment
from prm.application.appointments.get_location import GetLocation
from prm.application.appointments.list_appointments import ListAppointments
from prm.application.appointments.list_patient_appointments import ListPatientAppointments
from prm.application.appointments.ports import AppointmentCriteria
from prm.application.appointments.practitioner_agenda import PractitionerAgenda
from prm.application.appointments.todays_appointments import TodaysAppointments
from prm.application.appointments.upcoming_appointments import UpcomingAppointments
from prm.application.appointments.update_appointment import UpdateAppointment, UpdateAppointmentCommand
from prm.application.shared.context import RequestContext
from prm.application.shared.paging import PageRequest
from prm.application.shared.ports import Clock
from prm.domain.appointments.dates import LocalDateRange
from prm.domain.appointments.ids import AppointmentId, LocationId
from prm.domain.appointments.model import AppointmentStatus, CancellationReason, Period
from prm.domain.appointments.schedule import zone
from prm.domain.shared.ids import PatientId, PractitionerId
from prm.entrypoints.http.appointments_schemas import (
    AppointmentResponse,
    CancelAppointmentRequest,
    CancelResponse,
    ConflictItem,
    ConflictsResponse,
    CreateAppointmentRequest,
    StatsResponse,
    UpdateAppointmentRequest,
    appointment_response,
    stats_response,
)
from prm.entrypoints.http.etag import IfMatch, etag, version_from_if_match
from prm.entrypoints.http.paging import PageNumber, PageResponse, PageSize, page_response
from prm.entrypoints.http.practitioners import TenantQuery
from prm.entrypoints.http.problems import problem_responses

READ = {"permission": "appointments:read"}
WRITE = {"permission": "appointments:write"}
CALENDAR = "text/calendar"  # Litestar adds "; charset=utf-8" to text/* types itself

StatusQuery = Annotated[AppointmentStatus | None, QueryParameter(description="FHIR R4 AppointmentStatus code")]
DateQuery = Annotated[date | None, QueryParameter(description="YYYY-MM-DD, from 1900-01-01 to 2200-12-31")]


@dataclass
class _OptionalBody(Operation):
    """The OpenAPI operation of a route whose JSON body may be left out (Litestar marks every body required)."""

    def __post_init__(self) -> None:
        if isinstance(self.request_body, RequestBody):
            self.request_body.required = False


def _with_etag(response: AppointmentResponse, status_code: int = 200) -> Response[AppointmentResponse]:
    return Response(response, status_code=status_code, headers={"ETag": etag(response.version)})


def _criteria(
    patient_id: UUID | None = None,
    practitioner_id: UUID | None = None,
    location_id: UUID | None = None,
    status: AppointmentStatus | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
) -> AppointmentCriteria:
    window = None
    if start_date is not None or end_date is not None:
        window = LocalDateRange.of(start_date, end_date).window(UTC)  # UTC days, inclusive
    return AppointmentCriteria(
        patient_id=PatientId(patient_id) if patient_id else None,
        practitioner_id=PractitionerId(practitioner_id) if practitioner_id else None,
        location_id=LocationId(location_id) if location_id else None,
        statuses=frozenset({status}) if status else frozenset(),
        starts_from=window.starts_at if window else None,
        starts_before=window.ends_at if window else None,
    )


class AppointmentController(Controller):
    path = "/appointments"
    tags = ("appointments",)

    @get(opt=READ, responses=problem_responses(403, 422), summary="List appointments")
    @inject
    async def list_appointments(
        self,
        list_appointments: FromDishka[ListAppointments],
        context: FromDishka[RequestContext],
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
        patient_id: FromQuery[UUID | None] = None,
        practitioner_id: FromQuery[UUID | None] = None,
        location_id: FromQuery[UUID | None] = None,
        status: FromQuery[StatusQuery] = None,
        start_date: FromQuery[DateQuery] = None,
        end_date: FromQuery[DateQuery] = None,
        tenant_id: FromQuery[TenantQuery] = None,
    ) -> PageResponse[AppointmentResponse]:
        """Appointments by start time; dates are UTC days, inclusive."""
        context.ensure_tenant(tenant_id)
        found = await list_appointments(
            _criteria(patient_id, practitioner_id, location_id, status, start_date, end_date),
            PageRequest(page, page_size),
        )
        return page_response(found.map(appointment_response))

    @get("/today", opt=READ, responses=problem_responses(404), summary="Today's appointments")
    @inject
    async def today(
        self,
        todays: FromDishka[TodaysAppointments],
        get_location: FromDishka[GetLocation],
        practitioner_id: FromQuery[UUID | None] = None,
        location_id: FromQuery[UUID | None] = None,
        status: FromQuery[StatusQuery] = None,
    ) -> list[AppointmentResponse]:
        """Today in the location's time zone when ``location_id`` is given, else the UTC day."""
        tz = (await get_location(LocationId(location_id))).zone if location_id else zone("UTC")
        found = await todays(_criteria(None, practitioner_id, location_id, status), tz)
        return [appointment_response(a) for a in found]

    @get("/upcoming", opt=READ, responses=problem_responses(422), summary="Upcoming appointments")
    @inject
    async def upcoming(
        self,
        upcoming: FromDishka[UpcomingAppointments],
        limit: FromQuery[Annotated[int, QueryParameter(ge=1, le=50)]] = 10,
        patient_id: FromQuery[UUID | None] = None,
        practitioner_id: FromQuery[UUID | None] = None,
    ) -> list[AppointmentResponse]:
        """Active appointments from now on, soonest first."""
        found = await upcoming(_criteria(patient_id, practitioner_id), limit)
        return [appointment_response(a) for a in found]

    @get("/stats", opt=READ, responses=problem_responses(403), summary="Appointment statistics")
    @inject
    async def stats(
        self,
        get_stats: FromDishka[GetAppointmentStats],
        context: FromDishka[RequestContext],
        start_date: FromQuery[DateQuery] = None,
        end_date: FromQuery[DateQuery] = None,
        tenant_id: FromQuery[TenantQuery] = None,
    ) -> StatsResponse:
        """Counts by status and type over the period (UTC days, inclusive) and the no-show rate
        (noshow / (fulfilled + noshow))."""
        context.ensure_tenant(tenant_id)
        return stats_response(await get_stats(start_date, end_date))

    @get("/conflicts", opt=READ, responses=problem_responses(422), summary="Check for conflicts")
    @inject
    async def conflicts(
        self,
        check: FromDishka[CheckConflicts],
        practitioner_id: FromQuery[UUID],
        start_time: FromQuery[datetime],
        end_time: FromQuery[datetime],
        exclude_appointment_id: FromQuery[UUID | None] = None,
    ) -> ConflictsResponse:
        """The practitioner's active appointments overlapping ``[start_time, end_time)`` (with
        offsets; years 1900 to 2200)."""
        found = await check(
            PractitionerId(practitioner_id),
            Period(start_time, end_time),
            AppointmentId(exclude_appointment_id) if exclude_appointment_id else None,
        )
        items = [ConflictItem(a.id, a.patient_id, a.status, a.slot.starts_at, a.slot.ends_at) for a in found]
        return ConflictsResponse(has_conflict=bool(items), conflict_count=len(items), conflicting_appointments=items)

    @get("/calendar", opt=READ, responses=problem_responses(404, 422), media_type=CALENDAR, summary="Calendar feed")
    @inject
    async def practitioner_calendar(
        self,
        agenda: FromDishka[PractitionerAgenda],
        clock: FromDishka[Clock],
        practitioner_id: FromQuery[UUID],
        start_date: FromQuery[DateQuery] = None,
        end_date: FromQuery[DateQuery] = None,
    ) -> Response[bytes]:
        """A practitioner's appointments as iCalendar (subscribable URL), events in each location's
        time zone. UTC dates: default 30 days back to 180 days ahead; at most 366 days."""
        found = await agenda(PractitionerId(practitioner_id), start_date, end_date)
        body = render_calendar(found.appointments, found.locations, name=found.practitioner.name, now=clock.now())
        return Response(body, media_type=CALENDAR, headers={"Content-Disposition": 'inline; filename="schedule.ics"'})

    @post(opt=WRITE, responses=problem_responses(403, 404, 409, 422), summary="Create an appointment")
    @inject
    async def create_appointment(
        self,
        data: JSONBody[CreateAppointmentRequest],
        book: FromDishka[BookAppointment],
        context: FromDishka[RequestContext],
    ) -> Response[AppointmentResponse]:
        """Book a ``time_slot_id`` of the availability endpoint (it names its practitioner and
        location: ``practitioner_id`` and ``location_id`` may be left out, and must be its own
        when given), or ``practitioner_id`` with an explicit ``start_time`` and ``end_time``.
        A time the practitioner already has is 409, naming that appointment."""
        context.ensure_tenant(data.tenant_id)
        booked = await book(
            BookAppointmentCommand(
                patient_id=PatientId(data.patient_id),
                practitioner_id=PractitionerId(data.practitioner_id) if data.practitioner_id else None,
                location_id=LocationId(data.location_id) if data.location_id else None,
                time_slot_id=data.time_slot_id,
                starts_at=data.start_time,
                ends_at=data.end_time,
                appointment_type=data.appointment_type,
                reason_text=data.reason_text,
                source_channel=data.source_channel,
                status=data.status,
            )
        )
        return _with_etag(appointment_response(booked), status_code=201)

    @get("/{appointment_id:uuid}", opt=READ, responses=problem_responses(404), summary="Get an appointment")
    @inject
    async def get_appointment(
        self, appointment_id: FromPath[UUID], get_one: FromDishka[GetAppointment]
    ) -> Response[AppointmentResponse]:
        return _with_etag(appointment_response(await get_one(AppointmentId(appointment_id))))

    @get(
        "/{appointment_id:uuid}/calendar",
        opt=READ,
        responses=problem_responses(404),
        media_type=CALENDAR,
        summary="An appointment as iCalendar",
    )
    @inject
    async def appointment_calendar(
        self,
        appointment_id: FromPath[UUID],
        get_one: FromDishka[GetAppointment],
        get_location: FromDishka[GetLocation],
        clock: FromDishka[Clock],
    ) -> Response[bytes]:
        """One appointment as an iCalendar file, in its location's time zone."""
        appointment = await get_one(AppointmentId(appointment_id))
        locations = {}
        if appointment.location_id:
            locations[appointment.location_id] = await get_location(appointment.location_id)
        body = render_calendar([appointment], locations, name="Appointment", now=clock.now())
        return Response(
            body, media_type=CALENDAR, headers={"Content-Disposition": 'attachment; filename="appointment.ics"'}
        )

    @patch("/{appointment_id:uuid}", opt=WRITE, responses=problem_responses(403, 404, 409, 422))
    @inject
    async def update_appointment(
        self,
        appointment_id: FromPath[UUID],
        data: JSONBody[UpdateAppointmentRequest],
        update: FromDishka[UpdateAppointment],
        context: FromDishka[RequestContext],
        if_match: IfMatch = None,
    ) -> Response[AppointmentResponse]:
        """Reschedule (``start_time``/``end_time``: conflicts are 409), move the status along the
        life cycle (``arrived``, ``checked-in``, ``fulfilled``, ``noshow`` …; impossible moves are
        409), or edit type, reason and channel. ``If-Match``/``version`` guard against lost updates."""
        context.ensure_tenant(data.tenant_id if data.tenant_id is not UNSET else None)
        expected = version_from_if_match(if_match)
        if expected is None and data.version is not UNSET:
            expected = data.version
        changes: dict[str, str | None] = {}
        for name in ("appointment_type", "reason_text", "source_channel"):
            value = getattr(data, name)
            if value is not UNSET:
                changes[name] = value
        updated = await update(
            UpdateAppointmentCommand(
                appointment_id=AppointmentId(appointment_id),
                starts_at=data.start_time if data.start_time is not UNSET else None,
                ends_at=data.end_time if data.end_time is not UNSET else None,
                status=data.status if data.status is not UNSET else None,
                changes=changes,
                expected_version=expected,
            )
        )
        return _with_etag(appointment_response(updated))

    @post(
        "/{appointment_id:uuid}/cancel",
        opt=WRITE,
        status_code=200,
        responses=problem_responses(400, 404, 409, 422),
        summary="Cancel an appointment",
        response_description="The cancelled appointment, and the waitlist offer its slot went to (or null)",
        operation_class=_OptionalBody,
    )
    @inject
    async def cancel_appointment(
        self,
        appointment_id: FromPath[UUID],
        cancel: FromDishka[CancelAppointment],
        data: JSONBody[CancelAppointmentRequest | None] = None,
        notify_patient: FromQuery[bool] = True,
        reason: FromQuery[CancellationReason | None] = None,
    ) -> CancelResponse:
        """Cancel with a FHIR cancellation-reason code (body ``{"reason": "pat"}`` or query
        ``reason``; default ``other``; the body may be left out). 200 with the cancelled
        appointment; a future slot is offered to the best matching waitlist entry
        (``waitlist_offer_id``, else null). 409 once it has happened or was cancelled already."""
        code = reason or (data.reason if data else CancellationReason.OTHER)
        result = await cancel(
            CancelAppointmentCommand(
                appointment_id=AppointmentId(appointment_id), reason=code, notify_patient=notify_patient
            )
        )
        return CancelResponse(
            appointment=appointment_response(result.appointment),
            waitlist_offer_id=result.offer.id if result.offer else None,
        )

    @delete("/{appointment_id:uuid}", opt=WRITE, status_code=204, responses=problem_responses(404))
    @inject
    async def delete_appointment(self, appointment_id: FromPath[UUID], remove: FromDishka[DeleteAppointment]) -> None:
        """Remove for good (prefer cancel, which keeps the record)."""
        await remove(AppointmentId(appointment_id))


@get(
    "/patients/{patient_id:uuid}/appointments",
    opt=READ,
    tags=["appointments"],
    responses=problem_responses(404, 422),
    summary="A patient's appointments",
)
@inject
async def patient_appointments(
    patient_id: FromPath[UUID],
    list_patient_appointments: FromDishka[ListPatientAppointments],
    page: FromQuery[PageNumber] = 1,
    page_size: FromQuery[PageSize] = 20,
    status: FromQuery[StatusQuery] = None,
    start_date: FromQuery[DateQuery] = None,
    end_date: FromQuery[DateQuery] = None,
) -> PageResponse[AppointmentResponse]:
    """The patient's appointments by start time; 404 for a patient the caller's tenant does not have."""
    found = await list_patient_appointments(
        _criteria(patient_id, None, None, status, start_date, end_date), PageRequest(page, page_size)
    )
    return page_response(found.map(appointment_response))
