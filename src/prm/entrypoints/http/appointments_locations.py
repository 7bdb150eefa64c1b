"""Locations (a clinic's places, each with its IANA time zone) under ``/api/v1/prm/locations``."""

from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody

from prm.application.appointments.create_location import CreateLocation, CreateLocationCommand
from prm.application.appointments.get_location import GetLocation
from prm.application.appointments.list_locations import ListLocations
from prm.domain.appointments.ids import LocationId
from prm.domain.shared.contact import Address
from prm.entrypoints.http.appointments_schedules import SCHEDULES_READ, SCHEDULES_WRITE
from prm.entrypoints.http.appointments_schedules_schemas import (
    CreateLocationRequest,
    LocationResponse,
    location_response,
)
from prm.entrypoints.http.problems import problem_responses


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
        return location_response(await get_one(LocationId(location_id)))
