from datetime import date
from uuid import uuid4

import pytest

from prm.application.patients.activate_patient import ActivatePatient
from prm.application.patients.deactivate_patient import DeactivatePatient
from prm.application.patients.find_patients import FindPatients, FindPatientsQuery
from prm.application.patients.get_patient import GetPatient
from prm.application.patients.get_patient_by_mrn import GetPatientByMrn
from prm.application.patients.import_patients import ImportPatients, PatientRecord
from prm.application.patients.inputs import ContactPointInput
from prm.application.patients.list_patients import ListPatients, ListPatientsQuery
from prm.application.patients.patient_demographics import GetPatientDemographics
from prm.application.patients.register_patient import RegisterPatient
from prm.application.patients.search_patients import SearchPatients, SearchPatientsQuery, SearchType
from prm.application.patients.update_patient import UpdatePatient, UpdatePatientCommand
from prm.application.shared.context import ANONYMOUS, RequestContext
from prm.application.shared.imports import SourceRef
from prm.domain.patients.errors import DuplicateMrn, InvalidPatient, PatientNotFound
from prm.domain.patients.events import PatientRegistered, PatientUpdated
from prm.domain.patients.model import Identifier, PatientStatus
from prm.domain.shared.contact import ContactPointSystem, InvalidPhoneNumber
from prm.domain.shared.errors import RuleViolated, StaleVersion, TenantMismatch
from prm.domain.shared.ids import PatientId, TenantId
from prm.domain.shared.person import AdministrativeGender, HumanName
from tests.fakes import FakeUnitOfWork, FixedClock, InMemoryAuditTrail, InMemoryOutbox, InMemoryPatients
from tests.unit.patients.builders import patient_input

CONTEXT = RequestContext(tenant_id=TenantId(uuid4()), principal=ANONYMOUS, phone_region="US")


class World:
    def __init__(self) -> None:
        self.patients = InMemoryPatients()
        self.outbox = InMemoryOutbox()
        self.uow = FakeUnitOfWork()
        self.audit = InMemoryAuditTrail()
        self.clock = FixedClock()

    def register(self) -> RegisterPatient:
        return RegisterPatient(self.patients, self.outbox, self.uow, self.clock, CONTEXT, self.audit)

    def update(self) -> UpdatePatient:
        return UpdatePatient(self.patients, self.outbox, self.uow, self.clock, CONTEXT, self.audit)


@pytest.fixture
def world() -> World:
    return World()


async def test_registering_normalises_contacts_commits_once_and_records_the_event(world: World) -> None:
    patient = await world.register()(patient_input())
    assert patient.details.phones == ["+16174923500"]
    assert patient.details.emails == ["jose.avila@example.org"]
    assert patient.tenant_id == CONTEXT.tenant_id
    assert world.uow.commits == 1
    assert world.outbox.events == [PatientRegistered(patient.id)]
    assert await GetPatient(world.patients, world.audit, world.uow)(patient.id) is not None


async def test_without_an_mrn_prm_assigns_one(world: World) -> None:
    patient = await world.register()(patient_input(mrn=None))
    assert patient.mrn.startswith("PRM")
    assert len(patient.mrn) == 10


async def test_a_taken_mrn_is_a_conflict_and_nothing_is_committed(world: World) -> None:
    await world.register()(patient_input())
    with pytest.raises(DuplicateMrn):
        await world.register()(patient_input(name=HumanName(family="Other")))
    assert world.uow.commits == 1


async def test_a_bad_phone_names_its_place_in_telecom(world: World) -> None:
    bad = (
        ContactPointInput(system=ContactPointSystem.EMAIL, value="a@b.org"),
        ContactPointInput(system=ContactPointSystem.PHONE, value="555"),
    )
    with pytest.raises(InvalidPhoneNumber) as caught:
        await world.register()(patient_input(telecom=bad))
    assert caught.value.field == "telecom.1.value"
    assert world.uow.commits == 0


async def test_an_mr_identifier_among_the_others_is_refused(world: World) -> None:
    with pytest.raises(InvalidPatient) as caught:
        await world.register()(patient_input(identifiers=(Identifier(system="s", value="v", type="MR"),)))
    assert caught.value.field == "identifiers"


async def test_update_changes_only_given_fields_and_checks_the_version(world: World) -> None:
    patient = await world.register()(patient_input())
    updated = await world.update()(
        UpdatePatientCommand(
            patient_id=patient.id,
            expected_version=1,
            changes={
                "gender": AdministrativeGender.MALE,
                "telecom": (ContactPointInput(system=ContactPointSystem.PHONE, value="+44 20 7946 0958"),),
            },
        )
    )
    assert updated.version == 2
    assert updated.details.phones == ["+442079460958"]
    assert updated.details.birth_date == date(1984, 5, 17)
    assert world.outbox.events[-1] == PatientUpdated(patient.id, ("gender", "telecom"))
    with pytest.raises(StaleVersion):
        await world.update()(
            UpdatePatientCommand(
                patient_id=patient.id, expected_version=1, changes={"gender": AdministrativeGender.OTHER}
            )
        )


async def test_changing_the_mrn_to_a_taken_one_is_a_conflict(world: World) -> None:
    first = await world.register()(patient_input())
    await world.register()(patient_input(mrn="MRN-0002"))
    with pytest.raises(DuplicateMrn):
        await world.update()(UpdatePatientCommand(patient_id=first.id, changes={"mrn": "MRN-0002"}))


async def test_changing_the_mrn_keeps_the_other_identifiers(world: World) -> None:
    ssn = Identifier(system="http://hl7.org/fhir/sid/us-ssn", value="999-12-3456", type="SS")
    patient = await world.register()(patient_input(identifiers=(ssn,)))
    updated = await world.update()(UpdatePatientCommand(patient_id=patient.id, changes={"mrn": "NEW-1"}))
    assert updated.mrn == "NEW-1"
    assert ssn in updated.details.identifiers
    assert await GetPatientByMrn(world.patients, world.audit, world.uow)("NEW-1") is not None


async def test_unknown_fields_and_unknown_patients(world: World) -> None:
    with pytest.raises(PatientNotFound):
        await world.update()(UpdatePatientCommand(patient_id=PatientId(uuid4()), changes={}))
    patient = await world.register()(patient_input())
    with pytest.raises(InvalidPatient):
        await world.update()(UpdatePatientCommand(patient_id=patient.id, changes={"status": "active"}))


async def test_deactivate_and_activate(world: World) -> None:
    patient = await world.register()(patient_input())
    deactivate = DeactivatePatient(world.patients, world.outbox, world.uow, world.clock, world.audit)
    activate = ActivatePatient(world.patients, world.outbox, world.uow, world.clock, world.audit)
    assert (await deactivate(patient.id)).status is PatientStatus.INACTIVE
    assert (await deactivate(patient.id)).version == 2  # idempotent
    assert (await activate(patient.id)).status is PatientStatus.ACTIVE
    with pytest.raises(PatientNotFound):
        await deactivate(PatientId(uuid4()))


async def test_deactivate_at_a_version_that_moved_is_stale_and_changes_nothing(world: World) -> None:
    patient = await world.register()(patient_input())
    deactivate = DeactivatePatient(world.patients, world.outbox, world.uow, world.clock, world.audit)
    await world.update()(UpdatePatientCommand(patient_id=patient.id, changes={"gender": "male"}))
    with pytest.raises(StaleVersion):
        await deactivate(patient.id, expected_version=1)
    stored = await world.patients.get(patient.id)
    assert stored is not None
    assert (stored.status, stored.version) == (PatientStatus.ACTIVE, 2)
    assert (await deactivate(patient.id, expected_version=2)).status is PatientStatus.INACTIVE


async def register_three(world: World) -> None:
    register = world.register()
    await register(patient_input(mrn="A1", name=HumanName(given=("Zoë",), family="Ávila")))
    await register(
        patient_input(
            mrn="A2",
            name=HumanName(given=("Aaron",), family="Avery"),
            telecom=(ContactPointInput(system=ContactPointSystem.PHONE, value="+44 20 7946 0000"),),
            gender=AdministrativeGender.MALE,
        )
    )
    await register(
        patient_input(
            mrn="A3", name=HumanName(given=("Ben",), family="Okafor"), telecom=(), birth_date=date(1950, 1, 1)
        )
    )


async def test_search_by_name_prefix_ignores_case_and_accents(world: World) -> None:
    await register_three(world)
    search = SearchPatients(world.patients, CONTEXT, world.audit, world.uow)
    found = await search(SearchPatientsQuery(query="AV"))
    assert [p.mrn for p in found] == ["A2", "A1"]  # Avery before Ávila
    assert [p.mrn for p in await search(SearchPatientsQuery(query="zoe avi"))] == ["A1"]
    assert [p.mrn for p in await search(SearchPatientsQuery(query="A3", type=SearchType.MRN))] == ["A3"]
    assert [p.mrn for p in await search(SearchPatientsQuery(query="617.492.3500", type=SearchType.PHONE))] == ["A1"]


def test_search_queries_are_checked() -> None:
    with pytest.raises(RuleViolated):
        SearchPatientsQuery(query=" a ")
    with pytest.raises(RuleViolated):
        SearchPatientsQuery(query="abc", limit=51)


async def test_list_free_text_and_status(world: World) -> None:
    await register_three(world)
    listing = ListPatients(world.patients, CONTEXT, world.audit, world.uow)
    page = await listing(ListPatientsQuery(search="okaf"))
    assert [p.mrn for p in page.items] == ["A3"]
    page = await listing(ListPatientsQuery(search="+1 617 492 3500"))
    assert [p.mrn for p in page.items] == ["A1"]
    page = await listing(ListPatientsQuery(status=PatientStatus.INACTIVE))
    assert page.total == 0


async def test_advanced_search_needs_a_criterion_and_combines_them(world: World) -> None:
    await register_three(world)
    find = FindPatients(world.patients, CONTEXT, world.audit, world.uow)
    with pytest.raises(RuleViolated):
        await find(FindPatientsQuery())
    page = await find(FindPatientsQuery(name="av", gender=AdministrativeGender.MALE))
    assert [p.mrn for p in page.items] == ["A2"]
    page = await find(FindPatientsQuery(identifier="urn:prm:mrn|A3"))
    assert [p.mrn for p in page.items] == ["A3"]
    page = await find(FindPatientsQuery(city="CAMBRIDGE", birth_date=date(1950, 1, 1)))
    assert [p.mrn for p in page.items] == ["A3"]


async def test_demographics_add_up(world: World) -> None:
    await register_three(world)
    stats = await GetPatientDemographics(world.patients, world.clock)()
    assert stats.total == 3
    for counts in (stats.by_gender, stats.by_age_band, stats.by_status, stats.by_city):
        assert sum(counts.values()) == 3
    assert stats.by_age_band["65-79"] == 1


async def test_import_creates_then_updates_and_reports_bad_rows(world: World) -> None:
    def record(line: int, **overrides: object) -> PatientRecord:
        return PatientRecord(
            source=SourceRef("patients.csv", line),
            patient=patient_input(**overrides),
            provided=frozenset({"name", "gender", "birth_date", "identifiers"}),
        )

    importer = ImportPatients(world.patients, world.outbox, world.uow, world.clock, CONTEXT, world.audit)
    outcome = await importer(
        [record(2, mrn="S1"), record(3, mrn="S2", birth_date=date(2999, 1, 1)), record(4, mrn="S1")]
    )
    assert (outcome.created, outcome.updated, outcome.unchanged) == (1, 0, 0)
    assert [(r.source.line, r.field) for r in outcome.rejected] == [(3, "birth_date"), (4, "mrn")]

    staff_phone = (ContactPointInput(system=ContactPointSystem.PHONE, value="+1 617 555 0100"),)
    patient = await GetPatientByMrn(world.patients, world.audit, world.uow)("S1")
    await world.update()(UpdatePatientCommand(patient_id=patient.id, changes={"telecom": staff_phone}))
    again = await importer([record(2, mrn="S1")])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    renamed = await importer([record(2, mrn="S1", name=HumanName(family="Renamed"))])
    assert renamed.updated == 1
    reread = await GetPatientByMrn(world.patients, world.audit, world.uow)("S1")
    assert reread.details.name.family == "Renamed"
    assert reread.details.phones == ["+16175550100"]  # not provided by the source: kept


def test_a_tenant_id_that_is_not_the_callers_is_refused() -> None:
    CONTEXT.ensure_tenant(None)
    CONTEXT.ensure_tenant(CONTEXT.tenant_id)
    with pytest.raises(TenantMismatch):
        CONTEXT.ensure_tenant(uuid4())
