"""FHIR R4 Schedule and Slot read and search under ``/api/v1/prm/fhir`` (issue 14), with the REST
API's ``schedules:read`` permission (not audited, as the REST schedule and availability reads are not).

- ``GET /fhir/Schedule/{id}``; ``GET /fhir/Schedule?actor=&_count=&_offset=``: ``actor``
  ``Practitioner/<id>`` or ``Location/<id>``, repeatable (both must hold);
- ``GET /fhir/Slot/{id}``: a free slot by its id (the availability's ``time_slot_id``), 404 once it
  is no longer free; ``GET /fhir/Slot?schedule=&start=&status=&_count=&_offset=``: the free slots
  of one schedule (``schedule`` is required) by start; ``start`` with the prefixes ``eq``, ``ge``,
  ``gt``, ``le``, ``lt``, repeatable (default: the next 7 days; at most 90 days); ``status``:
  SlotStatus codes, comma-separated (only ``free`` slots exist, so others find nothing).

404 OperationOutcome for an unknown id or another tenant's; 422 naming the parameter for a bad one.
"""

from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, Response, get
from litestar.params import FromPath, QueryParameter

from prm.adapters.fhir.schedule import schedule_resource, slot_resource
from prm.adapters.fhir.search_params import date_range, reference_id, token_codes
from prm.application.appointments.find_schedules import FindSchedules, FindSchedulesQuery
from prm.application.appointments.get_schedule import GetSchedule
from prm.application.appointments.schedule_slots import (
    FindScheduleSlots,
    FindScheduleSlotsQuery,
    GetFreeSlot,
)
from prm.application.shared.paging import Page
from prm.application.shared.ports import Clock
from prm.domain.appointments.ids import LocationId, ScheduleId
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.ids import PractitionerId
from prm.entrypoints.http.fhir_appointment import REFERENCE_MAX, Reference
from prm.entrypoints.http.fhir_common import (
    FHIR_EXCEPTION_HANDLERS,
    FHIR_PATH,
    Count,
    Offset,
    fhir_response,
    page_request,
    searchset_response,
)
from prm.entrypoints.http.fhir_schemas import FHIR_JSON, fhir_responses

READ = {"permission": "schedules:read"}
SLOT_STATUS_SYSTEM = "http://hl7.org/fhir/slotstatus"


class SlotStatus(StrEnum):
    """FHIR R4 SlotStatus (http://hl7.org/fhir/slotstatus)."""

    BUSY = "busy"
    FREE = "free"
    BUSY_UNAVAILABLE = "busy-unavailable"
    BUSY_TENTATIVE = "busy-tentative"
    ENTERED_IN_ERROR = "entered-in-error"


Actors = Annotated[
    list[str] | None,
    QueryParameter(name="actor", max_items=2, description="Practitioner/<id> or Location/<id>, repeatable"),
]
Starts = Annotated[
    list[str] | None,
    QueryParameter(name="start", max_items=4, description="[eq|ge|gt|le|lt]YYYY[-MM[-DD[Thh:mm[:ss]zone]]]"),
]


def _actors(values: list[str]) -> tuple[PractitionerId | None, LocationId | None]:
    practitioner: PractitionerId | None = None
    location: LocationId | None = None
    for value in values:
        if len(value) > REFERENCE_MAX:
            raise RuleViolated(f"actor is longer than {REFERENCE_MAX} characters", field="actor")
        kind = value.strip().rpartition("/")[0].rpartition("/")[2]
        if kind == "Practitioner":
            practitioner = PractitionerId(reference_id(value, "Practitioner", "actor"))
        elif kind == "Location":
            location = LocationId(reference_id(value, "Location", "actor"))
        else:
            raise RuleViolated("actor must be Practitioner/<id> or Location/<id>", field="actor")
    return practitioner, location


class FhirScheduleController(Controller):
    path = FHIR_PATH
    tags = ("fhir",)
    exception_handlers = FHIR_EXCEPTION_HANDLERS

    @get(
        "/Schedule/{schedule_id:uuid}",
        opt=READ,
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 404, 422),
        summary="FHIR Schedule read",
    )
    @inject
    async def fhir_read_schedule(
        self, schedule_id: FromPath[UUID], get_schedule: FromDishka[GetSchedule]
    ) -> Response[dict[str, Any]]:
        """The FHIR R4 Schedule; 404 (OperationOutcome) for an unknown id or another tenant's."""
        return fhir_response(schedule_resource(await get_schedule(ScheduleId(schedule_id))))

    @get(
        "/Schedule",
        opt=READ,
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 422),
        summary="FHIR Schedule search",
    )
    @inject
    async def fhir_search_schedules(
        self,
        request: Request[Any, Any, Any],
        find: FromDishka[FindSchedules],
        clock: FromDishka[Clock],
        actors: Actors = None,
        count: Count = 20,
        offset: Offset = 0,
    ) -> Response[dict[str, Any]]:
        """A searchset Bundle of the schedules of the actors given (none: all of the tenant's)."""
        practitioner, location = _actors(actors or [])
        page = await find(
            FindSchedulesQuery(page=page_request(count, offset), practitioner_id=practitioner, location_id=location)
        )
        resources = [schedule_resource(s) for s in page.items]
        return searchset_response(request, "Schedule", page, resources, clock.now())

    @get(
        "/Slot/{slot_id:uuid}",
        opt=READ,
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 404, 422),
        summary="FHIR Slot read",
    )
    @inject
    async def fhir_read_slot(
        self, slot_id: FromPath[UUID], get_slot: FromDishka[GetFreeSlot]
    ) -> Response[dict[str, Any]]:
        """A free FHIR R4 Slot; 404 (OperationOutcome) when no free slot has this id (any more)."""
        return fhir_response(slot_resource(await get_slot(slot_id)))

    @get(
        "/Slot",
        opt=READ,
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 404, 422),
        summary="FHIR Slot search",
    )
    @inject
    async def fhir_search_slots(
        self,
        request: Request[Any, Any, Any],
        find: FromDishka[FindScheduleSlots],
        clock: FromDishka[Clock],
        schedule: Reference = None,
        starts: Starts = None,
        status: Annotated[str | None, QueryParameter(max_length=REFERENCE_MAX, description="SlotStatus codes")] = None,
        count: Count = 20,
        offset: Offset = 0,
    ) -> Response[dict[str, Any]]:
        """A searchset Bundle of one schedule's free slots by start (see the module docstring); 404
        for a schedule the tenant does not have, 422 without ``schedule``."""
        if schedule is None:
            raise RuleViolated("schedule is required: Schedule/<id>", field="schedule")
        schedule_id = ScheduleId(reference_id(schedule, "Schedule", "schedule"))
        window = date_range(starts or (), "start")
        statuses = token_codes([status] if status else [], SlotStatus, "status", SLOT_STATUS_SYSTEM)
        paging = page_request(count, offset)
        if statuses and SlotStatus.FREE not in statuses:
            empty: Page[Any] = Page([], 0, paging.page, paging.page_size)
            return searchset_response(request, "Slot", empty, [], clock.now())
        page = await find(
            FindScheduleSlotsQuery(
                schedule_id=schedule_id,
                page=paging,
                starts_from=window.starts_from,
                starts_before=window.starts_before,
            )
        )
        return searchset_response(request, "Slot", page, [slot_resource(s) for s in page.items], clock.now())
