"""Locations, schedules and their exceptions, and the waitlist, under ``/api/v1/prm``."""

from datetime import time
from typing import Annotated
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from prm.application.appointments.add_schedule_exception import AddScheduleException, AddScheduleExceptionCommand
from prm.application.appointments.answer_offer import AnswerOffer
from prm.application.appointments.cancel_waitlist_entry import CancelWaitlistEntry
from prm.application.appointments.create_location import CreateLocation, CreateLocationCommand
from prm.application.appointments.create_schedule import CreateSchedule, CreateScheduleCommand
from prm.application.appointments.expire_offers import ExpireOffers
from prm.application.appointments.get_location import GetLocation
from prm.application.appointments.join_waitlist import JoinWaitlist, JoinWaitlistCommand
from prm.application.appointments.list_locations import ListLocations
from prm.application.appointments.list_schedule_exceptions import ListScheduleExceptions
from prm.application.appointments.list_schedules import ListSchedules
from prm.application.appointments.list_waitlist import ListWaitlist
from prm.application.appointments.ports import WaitlistCriteria
from prm.application.shared.paging import PageRequest
from prm.domain.appointments.model import Period
from prm.domain.appointments.schedule import WeeklyRule
from prm.domain.appointments.waitlist import WaitlistStatus
from prm.domain.shared.contact import Address
from prm.domain.shared.ids import PatientId, PractitionerId
from prm.entrypoints.http.appointment_schemas import (
    CreateExceptionRequest,
    CreateLocationRequest,
    CreateScheduleRequest,
    CreateWaitlistEntryRequest,
    ExceptionResponse,
    LocationResponse,
    OfferAnswerResponse,
    ScheduleResponse,
    WaitlistEntryResponse,
    answer_response,
    exception_response,
    location_response,
    schedule_response,
    waitlist_response,
)
from prm.entrypoints.http.paging import PageNumber, PageResponse, PageSize, page_response
from prm.entrypoints.http.problems import problem_responses

SCHEDULES_READ = {"permission": "schedules:read"}
SCHEDULES_WRITE = {"permission": "schedules:write"}
WAITLIST_READ = {"permission": "waitlist:read"}
WAITLIST_WRITE = {"permission": "waitlist:write"}


class LocationController(Controller):
    path = "/locations"
    tags = ("scheduling",)

    @get(opt=SCHEDULES_READ, summary="List locations")
    @inject
    async def list_locations(self, list_locations: FromDishka[ListLocations]) -> list[LocationResponse]:
        return [location_response(loc) for loc in await list_locations()]

    @post(opt=SCHEDULES_WRITE, responses=problem_responses(422), summary="Create a location")
    @inject
    async def create_location(
        self, data: JSONBody[CreateLocationRequest], create: FromDishka[CreateLocation]
    ) -> LocationResponse:
        """A place with its IANA ``time_zone`` (``"Europe/London"``); the phone becomes E.164."""
        address = None
        if data.address is not None:
            a = data.address
            address = Address(
                use=a.use,
                line=tuple(a.line),
                city=a.city,
                district=a.district,
                state=a.state,
                postal_code=a.postal_code,
                country=a.country,
            )
        location = await create(
            CreateLocationCommand(name=data.name, time_zone=data.time_zone, address=address, phone=data.phone)
        )
        return location_response(location)

    @get("/{location_id:uuid}", opt=SCHEDULES_READ, responses=problem_responses(404), summary="Get a location")
    @inject
    async def get_location(self, location_id: FromPath[UUID], get_one: FromDishka[GetLocation]) -> LocationResponse:
        return location_response(await get_one(location_id))


class ScheduleController(Controller):
    path = "/schedules"
    tags = ("scheduling",)

    @get(opt=SCHEDULES_READ, summary="List schedules")
    @inject
    async def list_schedules(
        self,
        list_schedules: FromDishka[ListSchedules],
        practitioner_id: FromQuery[UUID | None] = None,
        location_id: FromQuery[UUID | None] = None,
    ) -> list[ScheduleResponse]:
        found = await list_schedules(PractitionerId(practitioner_id) if practitioner_id else None, location_id)
        return [schedule_response(s) for s in found]

    @post(opt=SCHEDULES_WRITE, responses=problem_responses(404, 422), summary="Create a schedule")
    @inject
    async def create_schedule(
        self, data: JSONBody[CreateScheduleRequest], create: FromDishka[CreateSchedule]
    ) -> ScheduleResponse:
        """Weekly availability of a practitioner at a location, in the location's wall-clock time,
        from ``valid_from`` (default today) to ``valid_until`` (default open-ended): local dates
        from 1900-01-01 to 2200-12-31."""
        schedule = await create(
            CreateScheduleCommand(
                practitioner_id=PractitionerId(data.practitioner_id),
                location_id=data.location_id,
                rules=tuple(
                    WeeklyRule(tuple(r.weekdays), time.fromisoformat(r.start), time.fromisoformat(r.end))
                    for r in data.rules
                ),
                slot_minutes=data.slot_minutes,
                buffer_minutes=data.buffer_minutes,
                valid_from=data.valid_from,
                valid_until=data.valid_until,
            )
        )
        return schedule_response(schedule)

    @post(
        "/{schedule_id:uuid}/exceptions",
        opt=SCHEDULES_WRITE,
        responses=problem_responses(404, 422),
        summary="Add time off or an extra session",
    )
    @inject
    async def add_exception(
        self,
        schedule_id: FromPath[UUID],
        data: JSONBody[CreateExceptionRequest],
        add: FromDishka[AddScheduleException],
    ) -> ExceptionResponse:
        """``start_time``/``end_time`` with offsets, in the years 1900 to 2200 (UTC)."""
        exception = await add(
            AddScheduleExceptionCommand(
                schedule_id=schedule_id,
                kind=data.kind,
                slot=Period(data.start_time, data.end_time),
                reason=data.reason,
            )
        )
        return exception_response(exception)

    @get(
        "/{schedule_id:uuid}/exceptions",
        opt=SCHEDULES_READ,
        responses=problem_responses(404),
        summary="List a schedule's exceptions",
    )
    @inject
    async def list_exceptions(
        self, schedule_id: FromPath[UUID], list_exceptions: FromDishka[ListScheduleExceptions]
    ) -> list[ExceptionResponse]:
        return [exception_response(e) for e in await list_exceptions(schedule_id)]


class WaitlistController(Controller):
    path = "/waitlist"
    tags = ("waitlist",)

    @get(opt=WAITLIST_READ, responses=problem_responses(422), summary="List waitlist entries")
    @inject
    async def list_entries(
        self,
        list_waitlist: FromDishka[ListWaitlist],
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
        patient_id: FromQuery[UUID | None] = None,
        practitioner_id: FromQuery[UUID | None] = None,
        status: FromQuery[Annotated[WaitlistStatus | None, QueryParameter()]] = None,
    ) -> PageResponse[WaitlistEntryResponse]:
        """Entries by priority (1 first), then time on the list."""
        found = await list_waitlist(
            WaitlistCriteria(
                patient_id=PatientId(patient_id) if patient_id else None,
                practitioner_id=PractitionerId(practitioner_id) if practitioner_id else None,
                status=status,
            ),
            PageRequest(page, page_size),
        )
        return page_response(found.map(waitlist_response))

    @post(opt=WAITLIST_WRITE, responses=problem_responses(404, 422), summary="Add a patient to the waitlist")
    @inject
    async def create_entry(
        self, data: JSONBody[CreateWaitlistEntryRequest], join: FromDishka[JoinWaitlist]
    ) -> WaitlistEntryResponse:
        """``preferred_dates`` are local dates from 1900-01-01 to 2200-12-31."""
        entry = await join(
            JoinWaitlistCommand(
                patient_id=PatientId(data.patient_id),
                practitioner_id=PractitionerId(data.practitioner_id) if data.practitioner_id else None,
                speciality=data.speciality,
                location_id=data.location_id,
                preferred_dates=tuple(data.preferred_dates),
                preferred_times=tuple(data.preferred_times),
                priority=data.priority,
                notes=data.notes,
            )
        )
        return waitlist_response(entry)

    @post("/{entry_id:uuid}/cancel", opt=WAITLIST_WRITE, status_code=200, responses=problem_responses(404, 409))
    @inject
    async def cancel_entry(
        self, entry_id: FromPath[UUID], cancel: FromDishka[CancelWaitlistEntry]
    ) -> WaitlistEntryResponse:
        return waitlist_response(await cancel(entry_id))

    @post("/offers/{offer_id:uuid}/accept", opt=WAITLIST_WRITE, status_code=201, responses=problem_responses(404, 409))
    @inject
    async def accept_offer(self, offer_id: FromPath[UUID], answer: FromDishka[AnswerOffer]) -> OfferAnswerResponse:
        """Book the offered slot for the waiting patient (409 once the offer has lapsed)."""
        return answer_response(await answer(offer_id, accept=True))

    @post("/offers/{offer_id:uuid}/decline", opt=WAITLIST_WRITE, status_code=200, responses=problem_responses(404, 409))
    @inject
    async def decline_offer(self, offer_id: FromPath[UUID], answer: FromDishka[AnswerOffer]) -> OfferAnswerResponse:
        """Decline; the slot is offered to the next matching entry (``next_offer``)."""
        return answer_response(await answer(offer_id, accept=False))

    @post("/offers/expire", opt=WAITLIST_WRITE, status_code=200, summary="Pass lapsed offers on")
    @inject
    async def expire_offers(self, expire: FromDishka[ExpireOffers]) -> dict[str, int]:
        """For a scheduler (every minute): lapsed offers go to the next waiting patient."""
        return {"expired": await expire()}
