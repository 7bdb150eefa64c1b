"""The appointments use cases against hand-written fakes: booking, cancelling into the waitlist,
offers, conversational booking, rescheduling, availability by speciality, encounter imports."""

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from prm.application.appointments.answer_offer import AnswerOffer
from prm.application.appointments.book_appointment import BookAppointment, BookAppointmentCommand
from prm.application.appointments.cancel_appointment import CancelAppointment, CancelAppointmentCommand
from prm.application.appointments.delete_appointment import DeleteAppointment
from prm.application.appointments.expire_offers import ExpireOffers
from prm.application.appointments.find_slots import FindSlots, FindSlotsCommand
from prm.application.appointments.get_availability import AvailabilityQuery, GetAvailability
from prm.application.appointments.import_encounters import EncounterRecord, ImportEncounters
from prm.application.appointments.list_schedule_exceptions import ListScheduleExceptions
from prm.application.appointments.policy import SchedulingPolicy
from prm.application.appointments.select_slot import SelectSlot, SelectSlotCommand
from prm.application.appointments.slots import SlotSearch
from prm.application.appointments.update_appointment import UpdateAppointment, UpdateAppointmentCommand
from prm.application.appointments.waitlist_offers import WaitlistOffers
from prm.application.shared.context import SYSTEM, RequestContext
from prm.application.shared.imports import Rejection, SourceRef
from prm.domain.appointments.errors import (
    HoldExpired,
    ReplyNotUnderstood,
    ScheduleNotFound,
    SlotUnavailable,
)
from prm.domain.appointments.events import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentRescheduled,
    WaitlistOfferMade,
)
from prm.domain.appointments.ids import ConversationId, LocationId, ScheduleExceptionId, ScheduleId, WaitlistEntryId
from prm.domain.appointments.model import Appointment, AppointmentStatus, Period, TimeSlot
from prm.domain.appointments.schedule import (
    ExceptionKind,
    Location,
    Schedule,
    ScheduleException,
    Weekday,
    WeeklyRule,
)
from prm.domain.appointments.waitlist import HoldStatus, WaitlistEntry, WaitlistStatus
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PatientId, PractitionerId, TenantId
from tests.fakes import FakeUnitOfWork, FixedClock, InMemoryAuditTrail, InMemoryOutbox
from tests.unit.appointments.fakes import (
    FakePatientDirectory,
    FakePractitionerDirectory,
    InMemoryAppointments,
    InMemoryHolds,
    InMemorySchedules,
    InMemoryWaitlist,
)

TENANT = TenantId(uuid4())
NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)  # a Tuesday, before opening (London is on UTC until March 29)
TOMORROW_9 = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
ALICE, BOB, CAROL = (PatientId(uuid4()) for _ in range(3))
DR_HEART, DR_VALVE, DR_SKIN = (PractitionerId(uuid4()) for _ in range(3))
LONDON = ZoneInfo("Europe/London")
POLICY = SchedulingPolicy(hold_for=timedelta(minutes=5), offer_for=timedelta(hours=2))


@dataclass
class World:
    """One tenant's fakes and the use cases built on them (one 'unit of work' per test)."""

    appointments: InMemoryAppointments = field(default_factory=InMemoryAppointments)
    schedules: InMemorySchedules = field(default_factory=InMemorySchedules)
    holds: InMemoryHolds = field(default_factory=InMemoryHolds)
    waitlist: InMemoryWaitlist = field(default_factory=InMemoryWaitlist)
    practitioners: FakePractitionerDirectory = field(default_factory=FakePractitionerDirectory)
    patients: FakePatientDirectory = field(
        default_factory=lambda: FakePatientDirectory({"alice": ALICE, "bob": BOB, "carol": CAROL})
    )
    outbox: InMemoryOutbox = field(default_factory=InMemoryOutbox)
    audit: InMemoryAuditTrail = field(default_factory=InMemoryAuditTrail)
    uow: FakeUnitOfWork = field(default_factory=FakeUnitOfWork)
    clock: FixedClock = field(default_factory=lambda: FixedClock(NOW))
    context: RequestContext = field(default_factory=lambda: RequestContext(tenant_id=TENANT, principal=SYSTEM))

    @property
    def search(self) -> SlotSearch:
        return SlotSearch(self.schedules, self.appointments, self.holds, TENANT)

    @property
    def offers(self) -> WaitlistOffers:
        return WaitlistOffers(
            self.waitlist, self.holds, self.schedules, self.practitioners, self.outbox, TENANT, POLICY
        )

    def book(self) -> BookAppointment:
        return BookAppointment(
            self.appointments, self.holds, self.patients, self.practitioners, self.schedules, self.search,
            self.outbox, self.audit, self.uow, self.clock, self.context,
        )  # fmt: skip

    def cancel(self) -> CancelAppointment:
        return CancelAppointment(self.appointments, self.offers, self.outbox, self.audit, self.uow, self.clock)

    def answer(self) -> AnswerOffer:
        return AnswerOffer(
            self.holds, self.waitlist, self.appointments, self.offers, self.outbox, self.audit,
            self.uow, self.clock, self.context,
        )  # fmt: skip

    def expire(self) -> ExpireOffers:
        return ExpireOffers(self.holds, self.waitlist, self.offers, self.uow, self.clock)

    def find_slots(self) -> FindSlots:
        return FindSlots(
            self.search, self.holds, self.patients, self.practitioners, POLICY, self.uow, self.clock, self.context
        )

    def select_slot(self) -> SelectSlot:
        return SelectSlot(
            self.holds, self.appointments, self.schedules, self.outbox, self.audit, self.uow, self.clock, self.context
        )

    def update(self) -> UpdateAppointment:
        return UpdateAppointment(self.appointments, self.outbox, self.audit, self.uow, self.clock)

    def delete(self) -> DeleteAppointment:
        return DeleteAppointment(self.appointments, self.outbox, self.audit, self.uow)

    def availability(self) -> GetAvailability:
        return GetAvailability(self.search, self.practitioners, self.clock)

    async def open_clinic(self, practitioner_id: PractitionerId, speciality: str = "Cardiology") -> Schedule:
        """Weekdays 09:00-12:00 London time, 30-minute slots."""
        self.practitioners.add(practitioner_id, speciality)
        location = Location(
            id=LocationId(uuid4()), tenant_id=TENANT, name="Clinic", time_zone="Europe/London", created_at=NOW
        )
        await self.schedules.add_location(location)
        schedule = Schedule(
            id=ScheduleId(uuid4()),
            tenant_id=TENANT,
            practitioner_id=practitioner_id,
            location_id=location.id,
            rules=(WeeklyRule(tuple(Weekday)[:5], time(9), time(12)),),
            valid_from=date(2026, 1, 1),
            created_at=NOW,
        )
        await self.schedules.add_schedule(schedule)
        return schedule


def at(
    start: datetime, minutes: int = 30, *, patient_id: PatientId = ALICE, practitioner_id: PractitionerId = DR_HEART
) -> BookAppointmentCommand:
    return BookAppointmentCommand(
        patient_id=patient_id,
        practitioner_id=practitioner_id,
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
    )


def waiting(patient_id: PatientId, priority: int = 3, minutes_ago: int = 60) -> WaitlistEntry:
    created = NOW - timedelta(minutes=minutes_ago)
    return WaitlistEntry(
        id=WaitlistEntryId(uuid4()),
        tenant_id=TENANT,
        patient_id=patient_id,
        practitioner_id=DR_HEART,
        priority=priority,
        created_at=created,
        updated_at=created,
    )


@pytest.fixture
async def world() -> World:
    w = World()
    await w.open_clinic(DR_HEART)
    return w


# --- booking ----------------------------------------------------------------------------------


async def test_booking_records_the_event_and_the_audit_and_commits_once(world: World) -> None:
    booked = await world.book()(at(TOMORROW_9))

    assert booked.status is AppointmentStatus.BOOKED
    assert [type(e) for e in world.outbox.events] == [AppointmentBooked]
    assert world.audit.events == [("create", "appointment", booked.id, ())]
    assert world.uow.commits == 1
    assert (await world.appointments.get(booked.id)) is not None


async def test_a_delete_at_a_version_that_moved_is_stale_and_deletes_nothing(world: World) -> None:
    booked = await world.book()(at(TOMORROW_9))
    await world.update()(UpdateAppointmentCommand(appointment_id=booked.id, changes={"reason_text": "letter"}))
    with pytest.raises(StaleVersion):
        await world.delete()(booked.id, expected_version=booked.version)
    current = await world.appointments.get(booked.id)
    assert current is not None  # still there
    await world.delete()(booked.id, expected_version=current.version)
    assert (await world.appointments.get(booked.id)) is None


async def test_an_overlapping_booking_is_refused_naming_the_appointment_in_the_way(world: World) -> None:
    first = await world.book()(at(TOMORROW_9))

    with pytest.raises(SlotUnavailable) as refused:
        await world.book()(at(TOMORROW_9 + timedelta(minutes=15), patient_id=BOB))

    assert refused.value.conflicting_id == first.id
    assert str(first.id) in refused.value.detail
    assert world.uow.commits == 1
    assert len(world.outbox.events) == 1


async def test_a_slot_id_from_availability_books_that_slot_once(world: World) -> None:
    found = await world.availability()(AvailabilityQuery(on_date=TOMORROW_9.date(), practitioner_id=DR_HEART))
    slot = found.slots[0]
    command = BookAppointmentCommand(
        patient_id=ALICE, practitioner_id=DR_HEART, location_id=slot.location_id, time_slot_id=slot.slot_id
    )

    booked = await world.book()(command)

    assert booked.slot == slot.slot == TimeSlot(TOMORROW_9, TOMORROW_9 + timedelta(minutes=30))
    with pytest.raises(SlotUnavailable):
        await world.book()(replace(command, patient_id=BOB))


# --- cancelling and the waitlist ------------------------------------------------------------------


async def test_cancelling_offers_the_freed_slot_to_the_best_waiting_patient(world: World) -> None:
    appointment = await world.book()(at(TOMORROW_9))
    urgent, routine = waiting(BOB, priority=1, minutes_ago=5), waiting(CAROL, priority=3, minutes_ago=500)
    for entry in (urgent, routine):
        await world.waitlist.add(entry)

    cancelled = await world.cancel()(CancelAppointmentCommand(appointment_id=appointment.id))

    assert cancelled.appointment.status is AppointmentStatus.CANCELLED
    offer = cancelled.offer
    assert offer is not None
    assert (offer.patient_id, offer.slot, offer.waitlist_entry_id) == (BOB, appointment.slot, urgent.id)
    assert offer.expires_at == NOW + POLICY.offer_for
    assert (await world.waitlist.get(urgent.id)).status is WaitlistStatus.OFFERED  # type: ignore[union-attr]
    kinds = [type(e) for e in world.outbox.events]
    assert kinds == [AppointmentBooked, AppointmentCancelled, WaitlistOfferMade]
    assert world.uow.commits == 2


async def test_accepting_an_offer_books_the_slot_for_the_waiting_patient(world: World) -> None:
    appointment = await world.book()(at(TOMORROW_9))
    entry = waiting(BOB)
    await world.waitlist.add(entry)
    offer = (await world.cancel()(CancelAppointmentCommand(appointment_id=appointment.id))).offer
    assert offer is not None

    answered = await world.answer()(offer.id, accept=True)

    booked = answered.appointment
    assert booked is not None
    assert (booked.patient_id, booked.slot, booked.status) == (BOB, appointment.slot, AppointmentStatus.BOOKED)
    assert (await world.waitlist.get(entry.id)).status is WaitlistStatus.BOOKED  # type: ignore[union-attr]
    assert (await world.holds.get(offer.id)).status is HoldStatus.USED  # type: ignore[union-attr]
    assert world.audit.events[-1] == ("create", "appointment", booked.id, ())


async def test_declining_passes_the_offer_to_the_next_patient_and_never_back(world: World) -> None:
    appointment = await world.book()(at(TOMORROW_9))
    first, second = waiting(BOB, priority=1), waiting(CAROL, priority=2)
    for entry in (first, second):
        await world.waitlist.add(entry)
    offer = (await world.cancel()(CancelAppointmentCommand(appointment_id=appointment.id))).offer
    assert offer is not None

    answered = await world.answer()(offer.id, accept=False)

    assert answered.next_offer is not None
    assert answered.next_offer.patient_id == CAROL
    assert (await world.waitlist.get(first.id)).status is WaitlistStatus.WAITING  # type: ignore[union-attr]
    assert (await world.holds.get(offer.id)).status is HoldStatus.DECLINED  # type: ignore[union-attr]
    again = await world.answer()(answered.next_offer.id, accept=False)
    assert again.next_offer is None  # Bob already had this very slot


async def test_an_expired_offer_goes_to_the_next_patient_and_cannot_be_accepted(world: World) -> None:
    appointment = await world.book()(at(TOMORROW_9))
    first, second = waiting(BOB, priority=1), waiting(CAROL, priority=2)
    for entry in (first, second):
        await world.waitlist.add(entry)
    offer = (await world.cancel()(CancelAppointmentCommand(appointment_id=appointment.id))).offer
    assert offer is not None
    world.clock.current = offer.expires_at + timedelta(seconds=1)

    assert await world.expire()() == 1

    assert (await world.holds.get(offer.id)).status is HoldStatus.EXPIRED  # type: ignore[union-attr]
    assert (await world.waitlist.get(first.id)).status is WaitlistStatus.WAITING  # type: ignore[union-attr]
    assert (await world.waitlist.get(second.id)).status is WaitlistStatus.OFFERED  # type: ignore[union-attr]
    with pytest.raises(HoldExpired):
        await world.answer()(offer.id, accept=True)
    assert await world.expire()() == 0


# --- conversational booking -------------------------------------------------------------------------


async def find_three(world: World) -> tuple[FindSlots, list[TimeSlot], ConversationId]:
    find = world.find_slots()
    choices = await find(FindSlotsCommand(patient_id=ALICE, practitioner_id=DR_HEART, count=3))
    return find, [h.slot for h, _ in choices.choices], choices.conversation_id


async def test_find_slots_holds_numbered_slots_and_select_slot_books_the_chosen_one(world: World) -> None:
    _, slots, conversation_id = await find_three(world)
    assert slots == [TimeSlot(NOW + timedelta(hours=h), NOW + timedelta(hours=h, minutes=30)) for h in (1, 1.5, 2)]
    # Held for Alice: nobody else is offered them meanwhile.
    others = await world.find_slots()(FindSlotsCommand(patient_id=BOB, practitioner_id=DR_HEART, count=1))
    assert others.choices[0][0].slot.starts_at == NOW + timedelta(hours=2, minutes=30)

    selected = await world.select_slot()(
        SelectSlotCommand(conversation_id=conversation_id, patient_id=ALICE, reply="#2")
    )

    assert selected.appointment.slot == slots[1]
    assert (selected.time_zone, selected.local_start) == ("Europe/London", slots[1].starts_at.astimezone(LONDON))
    held = await world.holds.conversation(conversation_id)
    assert [h.status for h in held] == [HoldStatus.RELEASED, HoldStatus.USED, HoldStatus.RELEASED]


async def test_a_reply_with_a_time_on_the_list_books_it(world: World) -> None:
    _, slots, conversation_id = await find_three(world)
    selected = await world.select_slot()(
        SelectSlotCommand(conversation_id=conversation_id, patient_id=ALICE, reply="10 March 2026 09:30")
    )
    assert selected.appointment.slot == slots[1]


@pytest.mark.parametrize("reply", ["whenever suits", "7", "2026-03-11 15:00"])
async def test_a_reply_that_is_not_on_the_list_is_not_understood(world: World, reply: str) -> None:
    _, _, conversation_id = await find_three(world)
    commits = world.uow.commits
    with pytest.raises(ReplyNotUnderstood):
        await world.select_slot()(SelectSlotCommand(conversation_id=conversation_id, patient_id=ALICE, reply=reply))
    assert world.uow.commits == commits


async def test_selecting_after_the_hold_expired_asks_to_search_again(world: World) -> None:
    _, _, conversation_id = await find_three(world)
    world.clock.current = NOW + POLICY.hold_for + timedelta(seconds=1)
    with pytest.raises(HoldExpired):
        await world.select_slot()(SelectSlotCommand(conversation_id=conversation_id, patient_id=ALICE, reply="1"))


async def test_selecting_a_slot_that_is_gone_names_the_appointment_in_the_way(world: World) -> None:
    _, slots, conversation_id = await find_three(world)
    # A concurrent writer (the database's guarantee, not the hold, stops it) took the first slot.
    intruder = Appointment.book(
        tenant_id=TENANT, patient_id=BOB, practitioner_id=DR_HEART, location_id=None, slot=slots[0], now=NOW
    )
    await world.appointments.add(intruder)
    with pytest.raises(SlotUnavailable) as refused:
        await world.select_slot()(SelectSlotCommand(conversation_id=conversation_id, patient_id=ALICE, reply="1"))
    assert refused.value.conflicting_id == intruder.id


# --- rescheduling ----------------------------------------------------------------------------------


async def test_rescheduling_onto_another_appointment_is_refused_naming_it(world: World) -> None:
    first = await world.book()(at(TOMORROW_9))
    second = await world.book()(at(TOMORROW_9 + timedelta(hours=1), patient_id=BOB))
    commits = world.uow.commits

    with pytest.raises(SlotUnavailable) as refused:
        await world.update()(
            UpdateAppointmentCommand(appointment_id=first.id, starts_at=TOMORROW_9 + timedelta(minutes=45))
        )

    assert refused.value.conflicting_id == second.id
    assert world.uow.commits == commits
    moved = await world.update()(
        UpdateAppointmentCommand(appointment_id=first.id, starts_at=TOMORROW_9 + timedelta(hours=2))
    )
    assert moved.slot.starts_at == TOMORROW_9 + timedelta(hours=2)
    assert isinstance(world.outbox.events[-1], AppointmentRescheduled)
    assert world.audit.events[-1] == ("update", "appointment", first.id, ("start_time", "end_time"))


# --- availability ------------------------------------------------------------------------------------


async def test_availability_by_speciality_spans_that_specialitys_practitioners_only(world: World) -> None:
    await world.open_clinic(DR_VALVE, "cardiology")
    await world.open_clinic(DR_SKIN, "Dermatology")
    await world.book()(at(TOMORROW_9, practitioner_id=DR_VALVE))

    found = await world.availability()(AvailabilityQuery(on_date=TOMORROW_9.date(), speciality="CARDIOLOGY"))

    first_hour = [s for s in found.slots if s.slot.starts_at < TOMORROW_9 + timedelta(hours=1)]
    assert [(s.practitioner_id, s.slot.starts_at.time()) for s in first_hour] == sorted(
        [(DR_HEART, time(9)), (DR_HEART, time(9, 30)), (DR_VALVE, time(9, 30))],
        key=lambda pair: (pair[1], pair[0]),
    )
    assert all(s.time_zone == "Europe/London" for s in found.slots)


# --- schedule exceptions -------------------------------------------------------------------------------


async def test_listing_exceptions_of_an_unknown_schedule_is_not_found(world: World) -> None:
    with pytest.raises(ScheduleNotFound):
        await ListScheduleExceptions(world.schedules)(ScheduleId(uuid4()))
    schedule = next(iter(world.schedules.schedule_rows.values()))
    off = ScheduleException(
        id=ScheduleExceptionId(uuid4()), tenant_id=TENANT, schedule_id=schedule.id, kind=ExceptionKind.TIME_OFF,
        slot=TimeSlot(TOMORROW_9, TOMORROW_9 + timedelta(hours=3)),
    )  # fmt: skip
    await world.schedules.add_exception(off)
    assert list(await ListScheduleExceptions(world.schedules)(schedule.id)) == [off]


# --- importing encounters ------------------------------------------------------------------------------


def record(
    line: int, external_id: str, patient: str = "alice", provider: str = "p-1", **fields: object
) -> EncounterRecord:
    start = fields.pop("start", NOW - timedelta(days=30))
    assert isinstance(start, datetime)
    return EncounterRecord(
        source=SourceRef("encounters.csv", line),
        external_id=external_id,
        patient_mrn=patient,
        practitioner_external_id=provider,
        slot=Period(start, start + timedelta(minutes=15)),
        appointment_type="wellness",
        reason_text="Well child visit (procedure)",
    )


async def test_importing_encounters_creates_fulfilled_appointments_once_and_rejects_unknowns(world: World) -> None:
    world.practitioners.add(DR_SKIN, external_id="p-1")
    use_case = ImportEncounters(
        world.appointments, world.patients, world.practitioners, world.audit, world.uow, world.clock, world.context
    )
    records = [
        record(2, "e-1"),
        record(3, "e-2", patient="nobody"),
        record(4, "e-3", provider="nobody"),
        record(5, "e-4", start=NOW + timedelta(days=1)),
        record(6, "e-1"),
    ]

    outcome = await use_case(records)

    assert (outcome.created, outcome.unchanged) == (1, 1)
    assert [(r.source.line, r.field) for r in outcome.rejected] == [(3, "PATIENT"), (4, "PROVIDER"), (5, "slot")]
    assert isinstance(outcome.rejected[0], Rejection)
    [stored] = world.appointments.rows.values()
    assert (stored.status, stored.patient_id, stored.practitioner_id) == (AppointmentStatus.FULFILLED, ALICE, DR_SKIN)
    assert (stored.external_id, stored.appointment_type, stored.source_channel) == ("e-1", "wellness", "import")
    assert world.outbox.events == []
    assert world.audit.events == [("create", "appointment", stored.id, ())]
    assert world.uow.commits == 1

    again = await use_case(records[:1])
    assert (again.created, again.unchanged) == (0, 1)
    assert world.uow.commits == 1
