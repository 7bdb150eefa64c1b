"""Booking by ``time_slot_id`` alone (the id names its practitioner and location), refusals that
name the wire field at fault, and dates at the calendar's edges in the use cases."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from prm.application.appointments.book_appointment import BookAppointmentCommand
from prm.application.appointments.get_availability import AvailabilityQuery
from prm.application.appointments.join_waitlist import JoinWaitlist, JoinWaitlistCommand
from prm.application.appointments.slots import AvailableSlot
from prm.application.appointments.update_appointment import UpdateAppointmentCommand
from prm.domain.appointments.errors import InvalidDateRange, InvalidTimeSlot, SlotNotAvailable
from prm.domain.appointments.ids import LocationId
from prm.domain.appointments.model import TimeSlot
from prm.domain.appointments.slot_ids import encode_slot_id
from prm.domain.shared.dates import DateOutOfRange
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.ids import PractitionerId
from tests.unit.appointments.test_use_cases import ALICE, DR_HEART, DR_VALVE, TENANT, TOMORROW_9, World, at


@pytest.fixture
async def world() -> World:
    w = World()
    await w.open_clinic(DR_HEART)
    await w.open_clinic(DR_VALVE)
    return w


async def first_slot(world: World, practitioner_id: PractitionerId = DR_HEART) -> AvailableSlot:
    found = await world.availability()(AvailabilityQuery(on_date=TOMORROW_9.date(), practitioner_id=practitioner_id))
    return found.slots[0]


async def test_a_slot_id_alone_books_its_practitioner_at_its_location(world: World) -> None:
    slot = await first_slot(world, DR_VALVE)

    booked = await world.book()(BookAppointmentCommand(patient_id=ALICE, time_slot_id=slot.slot_id))

    assert (booked.practitioner_id, booked.location_id, booked.slot) == (DR_VALVE, slot.location_id, slot.slot)
    assert world.uow.commits == 1


async def test_a_slot_id_with_its_own_practitioner_but_no_location_books_it(world: World) -> None:
    slot = await first_slot(world)
    booked = await world.book()(
        BookAppointmentCommand(patient_id=ALICE, practitioner_id=DR_HEART, time_slot_id=slot.slot_id)
    )
    assert booked.location_id == slot.location_id


async def test_a_slot_id_of_another_practitioner_is_refused_naming_practitioner_id(world: World) -> None:
    slot = await first_slot(world, DR_VALVE)

    with pytest.raises(InvalidTimeSlot) as refused:
        await world.book()(
            BookAppointmentCommand(patient_id=ALICE, practitioner_id=DR_HEART, time_slot_id=slot.slot_id)
        )

    assert refused.value.field == "practitioner_id"
    assert "another practitioner than practitioner_id" in refused.value.detail
    assert world.uow.commits == 0


async def test_a_slot_id_at_another_location_is_refused_naming_location_id(world: World) -> None:
    slot = await first_slot(world)
    command = BookAppointmentCommand(patient_id=ALICE, time_slot_id=slot.slot_id, location_id=LocationId(uuid4()))

    with pytest.raises(InvalidTimeSlot) as refused:
        await world.book()(command)

    assert refused.value.field == "location_id"


async def test_a_slot_id_of_no_current_schedule_is_no_longer_available(world: World) -> None:
    slot = TimeSlot(TOMORROW_9, TOMORROW_9 + timedelta(minutes=30))
    stranger = encode_slot_id(TENANT, PractitionerId(uuid4()), uuid4(), slot)
    with pytest.raises(SlotNotAvailable):
        await world.book()(BookAppointmentCommand(patient_id=ALICE, time_slot_id=stranger))


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (BookAppointmentCommand(patient_id=ALICE, practitioner_id=DR_HEART), "start_time"),
        (BookAppointmentCommand(patient_id=ALICE, practitioner_id=DR_HEART, starts_at=TOMORROW_9), "end_time"),
        (replace(at(TOMORROW_9), practitioner_id=None), "practitioner_id"),
        (replace(at(TOMORROW_9), starts_at=datetime.max.replace(tzinfo=UTC)), "start_time"),
        (replace(at(TOMORROW_9), ends_at=datetime.max.replace(tzinfo=UTC)), "end_time"),
    ],
)
async def test_an_incomplete_or_impossible_booking_names_the_wire_field(
    world: World, command: BookAppointmentCommand, field: str
) -> None:
    with pytest.raises(RuleViolated) as refused:
        await world.book()(command)
    assert refused.value.field == field
    assert "starts_at" not in refused.value.detail


@pytest.mark.parametrize(("name", "edge"), [("start_time", datetime.max), ("end_time", datetime.min)])
async def test_rescheduling_to_the_calendars_edge_is_refused_naming_the_field(
    world: World, name: str, edge: datetime
) -> None:
    booked = await world.book()(at(TOMORROW_9))
    moment = edge.replace(tzinfo=UTC)
    command = UpdateAppointmentCommand(appointment_id=booked.id)
    command = replace(command, starts_at=moment) if name == "start_time" else replace(command, ends_at=moment)
    with pytest.raises(DateOutOfRange) as refused:
        await world.update()(command)
    assert refused.value.field == name


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (AvailabilityQuery(practitioner_id=DR_HEART, on_date=date.max), "date"),
        (AvailabilityQuery(practitioner_id=DR_HEART, start_date=date.min), "start_date"),
        (AvailabilityQuery(practitioner_id=DR_HEART, end_date=date.max), "end_date"),
        (
            AvailabilityQuery(practitioner_id=DR_HEART, start_date=date(1900, 1, 1), end_date=date(2000, 1, 1)),
            "end_date",
        ),
    ],
)
async def test_availability_refuses_dates_outside_or_too_many_naming_the_field(
    world: World, query: AvailabilityQuery, field: str
) -> None:
    with pytest.raises((DateOutOfRange, InvalidDateRange)) as refused:
        await world.availability()(query)
    assert refused.value.field == field


async def test_a_waitlist_date_outside_names_its_index(world: World) -> None:
    join = JoinWaitlist(
        world.waitlist, world.patients, world.practitioners, world.audit, world.uow, world.clock, world.context
    )
    command = JoinWaitlistCommand(
        patient_id=ALICE, practitioner_id=DR_HEART, preferred_dates=(date(2026, 3, 12), date.max)
    )
    with pytest.raises(DateOutOfRange) as refused:
        await join(command)
    assert refused.value.field == "preferred_dates.1"
    assert world.uow.commits == 0
