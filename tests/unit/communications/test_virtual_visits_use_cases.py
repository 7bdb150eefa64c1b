"""Virtual visits' rules and use cases, with fakes of the part's ports."""

import copy
from dataclasses import replace
from datetime import timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prm.adapters.communications.video_rooms.local import LocalVideoRooms
from prm.adapters.communications.virtual_visits_links import SignedJoinLinks
from prm.application.communications.virtual_visits_consent import RecordVideoConsent, RecordVideoConsentCommand
from prm.application.communications.virtual_visits_events import (
    CloseVirtualVisit,
    CreateVirtualVisitOnBooking,
    MoveVirtualVisitOnReschedule,
)
from prm.application.communications.virtual_visits_join import JoinVirtualVisit
from prm.application.communications.virtual_visits_links import VirtualVisitLinks
from prm.application.communications.virtual_visits_ports import (
    AppointmentFacts,
    AppointmentsForVisits,
    VirtualVisitRepository,
    VisitFilter,
    VisitsForJoining,
)
from prm.application.communications.virtual_visits_scheduling import EnsureVirtualVisit
from prm.application.shared.context import SYSTEM, RequestContext
from prm.application.shared.events import PublishedEvent
from prm.application.shared.paging import Page, PageRequest
from prm.domain.communications.virtual_visits import (
    ConsentDecision,
    InvalidJoinLink,
    JoinState,
    Participant,
    VirtualVisit,
    VirtualVisitId,
    VisitNotOpen,
    VisitStatus,
    VisitWindow,
    is_virtual,
)
from prm.domain.shared.errors import RuleViolated, StaleVersion
from prm.domain.shared.ids import PatientId, PractitionerId, TenantId
from tests.fakes import NOW, FakeUnitOfWork, FixedClock

TENANT = TenantId(uuid4())
START = NOW + timedelta(days=2)


class InMemoryVisits(VirtualVisitRepository):
    def __init__(self) -> None:
        self.rows: dict[UUID, VirtualVisit] = {}

    async def add(self, visit: VirtualVisit) -> bool:
        if any(v.appointment_id == visit.appointment_id for v in self.rows.values()):
            return False
        self.rows[visit.id] = copy.deepcopy(visit)
        return True

    async def get(self, visit_id: VirtualVisitId) -> VirtualVisit | None:
        visit = self.rows.get(visit_id)
        return copy.deepcopy(visit) if visit else None

    async def for_appointment(self, appointment_id: UUID) -> VirtualVisit | None:
        found = [v for v in self.rows.values() if v.appointment_id == appointment_id]
        return copy.deepcopy(found[0]) if found else None

    async def save(self, visit: VirtualVisit, *, expected_version: int) -> None:
        if self.rows[visit.id].version != expected_version:
            raise StaleVersion("changed")
        self.rows[visit.id] = copy.deepcopy(visit)

    async def list(self, where: VisitFilter, page: PageRequest) -> Page[VirtualVisit]:
        items = [v for v in self.rows.values() if where.patient_id in (None, v.patient_id)]
        return Page(items, len(items), page.page, page.page_size)


class InMemoryVisitsForJoining(VisitsForJoining):
    def __init__(self, visits: InMemoryVisits) -> None:
        self._visits = visits

    async def get(self, tenant_id: TenantId, visit_id: VirtualVisitId) -> VirtualVisit | None:
        visit = await self._visits.get(visit_id)
        return visit if visit is not None and visit.tenant_id == tenant_id else None


class FakeAppointments(AppointmentsForVisits):
    def __init__(self) -> None:
        self.rows: dict[UUID, AppointmentFacts] = {}

    def book(self, appointment_type: str | None = "VR", status: str = "booked") -> UUID:
        appointment_id = uuid4()
        self.rows[appointment_id] = AppointmentFacts(
            appointment_id=appointment_id,
            patient_id=PatientId(uuid4()),
            practitioner_id=PractitionerId(uuid4()),
            appointment_type=appointment_type,
            starts_at=START,
            ends_at=START + timedelta(minutes=30),
            status=status,
        )
        return appointment_id

    async def get(self, appointment_id: UUID) -> AppointmentFacts | None:
        return self.rows.get(appointment_id)


class Part:
    def __init__(self) -> None:
        self.visits = InMemoryVisits()
        self.appointments = FakeAppointments()
        self.rooms = LocalVideoRooms("http://prm.test/rooms")
        self.clock = FixedClock(NOW)
        self.uow = FakeUnitOfWork()
        self.links = SignedJoinLinks("http://prm.test/visits", ["key" * 11])
        self.ensure = EnsureVirtualVisit(self.visits, self.appointments, self.rooms, self.clock, TENANT)

    def event(self, type_: str, appointment_id: UUID, **payload: object) -> PublishedEvent:
        return PublishedEvent(
            id=uuid4(),
            tenant_id=TENANT,
            type=type_,
            version=1,
            aggregate_id=appointment_id,
            occurred_at=self.clock.now(),
            payload={"appointment_id": str(appointment_id), **payload},
        )

    async def book(self, appointment_type: str | None = "VR") -> UUID:
        appointment_id = self.appointments.book(appointment_type)
        await CreateVirtualVisitOnBooking(self.ensure, self.uow)(self.event("appointment.booked", appointment_id))
        return appointment_id

    async def close(self, type_: str, appointment_id: UUID, **payload: object) -> None:
        handler = CloseVirtualVisit(self.visits, self.rooms, self.uow, self.clock)
        await handler(self.event(type_, appointment_id, **payload))

    def join(self) -> JoinVirtualVisit:
        return JoinVirtualVisit(self.links, InMemoryVisitsForJoining(self.visits), self.rooms, self.clock)


@pytest.fixture
def part() -> Part:
    return Part()


@pytest.mark.parametrize("code", ["VR", "vr", " Virtual ", "video", "TELEHEALTH", "telemedicine"])
def test_virtual_appointment_types(code: str) -> None:
    assert is_virtual(code)


@pytest.mark.parametrize("code", [None, "", "checkup", "AMB", "virtually"])
def test_other_appointment_types_are_not_virtual(code: str | None) -> None:
    assert not is_virtual(code)


@given(st.integers(min_value=-180, max_value=180))
def test_joining_opens_15_minutes_early_and_closes_at_the_end(minute: int) -> None:
    window = VisitWindow(START, START + timedelta(minutes=30))
    state = window.state_at(START + timedelta(minutes=minute))
    expected = JoinState.NOT_YET if minute < -15 else JoinState.OPEN if minute < 30 else JoinState.OVER
    assert state is expected


async def test_booking_a_virtual_appointment_creates_one_visit(part: Part) -> None:
    appointment_id = await part.book("VR")
    handler = CreateVirtualVisitOnBooking(part.ensure, part.uow)
    await handler(part.event("appointment.booked", appointment_id))  # a repeat: nothing new
    [visit] = part.visits.rows.values()
    assert (visit.appointment_id, visit.status, visit.provider) == (appointment_id, VisitStatus.SCHEDULED, "local")
    assert visit.window == VisitWindow(START, START + timedelta(minutes=30))
    assert str(appointment_id) not in visit.room_name
    assert str(visit.id) not in visit.room_name


async def test_an_in_person_appointment_gets_no_visit(part: Part) -> None:
    await part.book("checkup")
    assert part.visits.rows == {}
    assert part.uow.commits == 0


async def test_rescheduling_moves_the_window_into_a_new_room(part: Part) -> None:
    appointment_id = await part.book()
    before = next(iter(part.visits.rows.values()))
    part.appointments.rows[appointment_id] = replace(
        part.appointments.rows[appointment_id],
        starts_at=START + timedelta(days=1),
        ends_at=START + timedelta(days=1, minutes=45),
    )
    handler = MoveVirtualVisitOnReschedule(
        part.ensure, part.visits, part.appointments, part.rooms, part.uow, part.clock
    )
    await handler(part.event("appointment.rescheduled", appointment_id))
    after = part.visits.rows[before.id]
    assert after.window.starts_at == START + timedelta(days=1)
    assert after.room_name != before.room_name
    assert part.rooms.log.revoked == [before.room_name]


async def test_cancelling_revokes_the_visit_and_its_link(part: Part) -> None:
    appointment_id = await part.book()
    visit = next(iter(part.visits.rows.values()))
    token = part.links.token(TENANT, visit.id, Participant.PATIENT)
    part.clock.current = START  # the visit is open
    assert (await part.join()(visit.id, token)).redirect_to is not None

    await part.close("appointment.cancelled", appointment_id, reason="pat", notify_patient=True)
    await part.close("appointment.cancelled", appointment_id)  # a repeat changes nothing
    assert part.visits.rows[visit.id].status is VisitStatus.REVOKED
    assert part.rooms.log.revoked == [visit.room_name]
    decision = await part.join()(visit.id, token)
    assert (decision.state, decision.redirect_to) == (JoinState.REVOKED, None)


async def test_entered_in_error_revokes_and_fulfilled_ends(part: Part) -> None:
    first, second = await part.book(), await part.book()
    await part.close("appointment.status_changed", first, previous_status="booked", status="entered-in-error")
    await part.close("appointment.fulfilled", second)
    statuses = {v.appointment_id: v.status for v in part.visits.rows.values()}
    assert statuses == {first: VisitStatus.REVOKED, second: VisitStatus.ENDED}


async def test_the_join_link_opens_only_in_the_window_and_for_its_participant(part: Part) -> None:
    await part.book()
    visit = next(iter(part.visits.rows.values()))
    patient = part.links.token(TENANT, visit.id, Participant.PATIENT)
    practitioner = part.links.token(TENANT, visit.id, Participant.PRACTITIONER)
    part.clock.current = START - timedelta(minutes=16)
    with pytest.raises(VisitNotOpen):
        await part.join()(visit.id, patient)
    part.clock.current = START - timedelta(minutes=15)
    patient_url = (await part.join()(visit.id, patient)).redirect_to
    practitioner_url = (await part.join()(visit.id, practitioner)).redirect_to
    assert patient_url == f"http://prm.test/rooms/{visit.room_name}?participant=patient"
    assert practitioner_url == f"http://prm.test/rooms/{visit.room_name}?participant=practitioner"
    part.clock.current = START + timedelta(minutes=30)
    assert (await part.join()(visit.id, patient)).state is JoinState.OVER
    with pytest.raises(InvalidJoinLink):
        await part.join()(visit.id, patient[:-2] + "AA")
    with pytest.raises(InvalidJoinLink):  # a token of one tenant does not open another's
        await part.join()(visit.id, part.links.token(TenantId(uuid4()), visit.id, Participant.PATIENT))


async def test_the_reminders_get_the_patients_link_even_before_the_booking_handler_ran(part: Part) -> None:
    links = VirtualVisitLinks(part.ensure, part.links)
    appointment_id = part.appointments.book("telehealth")
    url = await links.join_url(appointment_id)
    [visit] = part.visits.rows.values()
    assert url == part.links.url(TENANT, visit.id, Participant.PATIENT)
    assert await links.join_url(appointment_id) == url  # the same visit, not a second one
    assert await links.join_url(part.appointments.book("checkup")) is None
    assert await links.join_url(uuid4()) is None
    await part.close("appointment.cancelled", appointment_id)
    assert await links.join_url(appointment_id) is None


async def test_consent_is_recorded_with_its_time_and_source(part: Part) -> None:
    await part.book()
    visit = next(iter(part.visits.rows.values()))
    writer = RequestContext(tenant_id=TENANT, principal=SYSTEM)
    record = RecordVideoConsent(part.visits, part.links, part.uow, part.clock, writer)
    view = await record(RecordVideoConsentCommand(visit_id=visit.id, decision=ConsentDecision.PERMIT, source="phone"))
    consent = part.visits.rows[visit.id].consent
    assert consent is not None
    assert (consent.decision, consent.recorded_at, consent.source) == (
        ConsentDecision.PERMIT,
        NOW,
        "phone",
    )
    assert view.patient_join_url is None  # the system principal holds no communications:write
    with pytest.raises(RuleViolated) as error:
        await record(RecordVideoConsentCommand(visit_id=visit.id, decision=ConsentDecision.DENY, source=" "))
    assert error.value.field == "source"


def test_a_revoked_visit_does_not_move(part: Part) -> None:
    window = VisitWindow(START, START + timedelta(minutes=30))
    visit = VirtualVisit.schedule(
        tenant_id=TENANT,
        appointment_id=uuid4(),
        patient_id=PatientId(uuid4()),
        practitioner_id=PractitionerId(uuid4()),
        provider="local",
        room_name="prm-a",
        window=window,
        now=NOW,
    )
    assert visit.revoke(NOW)
    assert not visit.revoke(NOW)
    assert not visit.move(VisitWindow(START, START + timedelta(hours=1)), room_name="prm-b", now=NOW)
    assert (visit.room_name, visit.window, visit.id) == ("prm-a", window, VirtualVisitId(visit.id))
