"""Schedules (weekly availability of a practitioner at a location) and their exceptions, under
``/api/v1/prm/schedules``."""

from datetime import time
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from prm.application.appointments.add_schedule_exception import AddScheduleException, AddScheduleExceptionCommand
from prm.application.appointments.create_schedule import CreateSchedule, CreateScheduleCommand
from prm.application.appointments.list_schedule_exceptions import ListScheduleExceptions
from prm.application.appointments.list_schedules import ListSchedules
from prm.domain.appointments.ids import LocationId, ScheduleId
from prm.domain.appointments.model import Period
from prm.domain.appointments.schedule import WeeklyRule
from prm.domain.shared.ids import PractitionerId
from prm.entrypoints.http.appointments_schedules_schemas import (
    CreateExceptionRequest,
    CreateScheduleRequest,
    ExceptionResponse,
    ScheduleResponse,
    exception_response,
    schedule_response,
)
from prm.entrypoints.http.problems import problem_responses

SCHEDULES_READ = {"permission": "schedules:read"}
SCHEDULES_WRITE = {"permission": "schedules:write"}


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
        found = await list_schedules(
            PractitionerId(practitioner_id) if practitioner_id else None,
            LocationId(location_id) if location_id else None,
        )
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
                location_id=LocationId(data.location_id),
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
                schedule_id=ScheduleId(schedule_id),
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
        return [exception_response(e) for e in await list_exceptions(ScheduleId(schedule_id))]
