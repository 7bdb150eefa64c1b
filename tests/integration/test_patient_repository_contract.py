"""One suite, three implementations: the in-memory fake and the SQL adapters on SQLite and
PostgreSQL must behave alike (this keeps the unit tests' fake honest)."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import date
from uuid import uuid4

import pytest

from prm.adapters.sql import paging
from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.engine import make_database
from prm.adapters.sql.patients import SqlPatientFinder, SqlPatientRepository
from prm.application.patients.inputs import build_details
from prm.application.patients.ports import (
    PatientCriteria,
    PatientFinder,
    PatientRepository,
    PatientSummary,
    TextMatch,
)
from prm.application.shared.paging import PageRequest
from prm.domain.patients.errors import DuplicateMrn
from prm.domain.patients.model import Identifier, Patient, PatientStatus
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PatientId, TenantId
from prm.domain.shared.person import AdministrativeGender, HumanName
from tests.fakes import NOW, InMemoryPatients
from tests.unit.patients.builders import patient_input

IMPLEMENTATIONS = ["memory", "sqlite", "postgresql"]


@dataclass
class Store:
    repository: PatientRepository
    finder: PatientFinder
    tenant_id: TenantId
    connection: SqlConnection | None = None


@pytest.fixture(params=IMPLEMENTATIONS)
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    tenant = TenantId(uuid4())
    if request.param == "memory":
        fake = InMemoryPatients()
        yield Store(fake, fake, tenant)
        return
    url = request.getfixturevalue("_sqlite_url" if request.param == "sqlite" else "_postgres_url")
    database = make_database(url)
    async with database.connect(tenant) as connection:  # rolled back at the end
        yield Store(SqlPatientRepository(connection, tenant), SqlPatientFinder(connection, tenant), tenant, connection)
    await database.close()


def patient(store: Store, mrn: str, **overrides: object) -> Patient:
    details = build_details(patient_input(mrn=mrn, **overrides), mrn=mrn, region="US")
    return Patient.register(tenant_id=store.tenant_id, details=details, now=NOW, patient_id=PatientId(uuid4()))


async def test_round_trip_keeps_every_field(store: Store) -> None:
    original = patient(
        store,
        "RT-1",
        identifiers=(Identifier(system="http://hl7.org/fhir/sid/us-ssn", value="999-00-1111", type="SS"),),
    )
    await store.repository.add(original)
    loaded = await store.repository.get(original.id)
    assert loaded is not None
    assert loaded.details == original.details
    assert (loaded.status, loaded.version, loaded.created_at) == (original.status, 1, original.created_at)
    assert await store.repository.get_by_mrn("RT-1") is not None
    assert await store.repository.exists(original.id)
    assert not await store.repository.exists(PatientId(uuid4()))
    assert set(await store.repository.get_many_by_mrn(["RT-1", "NONE"])) == {"RT-1"}


async def test_duplicate_mrn(store: Store) -> None:
    await store.repository.add(patient(store, "D-1"))
    with pytest.raises(DuplicateMrn):
        await store.repository.add(patient(store, "D-1"))


async def test_save_is_guarded_by_the_version(store: Store) -> None:
    original = patient(store, "V-1")
    await store.repository.add(original)
    loaded = await store.repository.get(original.id)
    assert loaded is not None
    loaded.revise(NOW, gender=AdministrativeGender.OTHER)
    await store.repository.save(loaded, expected_version=1)
    assert (await store.repository.get(original.id)).version == 2  # type: ignore[union-attr]
    with pytest.raises(StaleVersion):
        await store.repository.save(loaded, expected_version=1)


async def test_batch_add_and_save(store: Store) -> None:
    batch = [patient(store, f"B-{i}") for i in range(5)]
    await store.repository.add_many(batch)
    found = await store.repository.get_many_by_mrn([p.mrn for p in batch])
    for p in found.values():
        p.revise(NOW, birth_date=date(2000, 1, 1))
    await store.repository.save_many([(p, 1) for p in found.values()])
    again = await store.repository.get_many_by_mrn([p.mrn for p in batch])
    assert {p.details.birth_date for p in again.values()} == {date(2000, 1, 1)}
    with pytest.raises(StaleVersion):
        await store.repository.save_many([(p, 1) for p in again.values()])


async def test_finder_criteria_and_order(store: Store) -> None:
    zoe = patient(store, "F-1", name=HumanName(given=("Zoë",), family="Ávila"))
    aaron = patient(
        store, "F-2", name=HumanName(given=("Aaron",), family="Avery"), gender=AdministrativeGender.MALE, telecom=()
    )
    ben = patient(store, "F-3", name=HumanName(given=("Ben",), family="O'Brien"), birth_date=date(1950, 6, 1))
    await store.repository.add_many([zoe, aaron, ben])
    ben_loaded = await store.repository.get(ben.id)
    assert ben_loaded is not None
    ben_loaded.deactivate(NOW)
    await store.repository.save(ben_loaded, expected_version=1)

    async def mrns(criteria: PatientCriteria, page: PageRequest = PageRequest()) -> list[str]:
        return [p.mrn for p in (await store.finder.find(criteria, page)).items]

    assert await mrns(PatientCriteria()) == ["F-2", "F-1", "F-3"]
    assert await mrns(PatientCriteria(name_prefixes=("av",))) == ["F-2", "F-1"]
    assert await mrns(PatientCriteria(name_prefixes=("zo", "avi"))) == ["F-1"]
    assert await mrns(PatientCriteria(name_prefixes=("brien",))) == ["F-3"]
    assert await mrns(PatientCriteria(family_prefix="av")) == ["F-2", "F-1"]
    assert await mrns(PatientCriteria(family_prefix="o'b", given_prefix="be")) == ["F-3"]
    assert await mrns(PatientCriteria(given_prefix="zo")) == ["F-1"]
    assert await mrns(PatientCriteria(family_prefix="zo")) == []
    assert await mrns(PatientCriteria(family_prefix="a%")) == []
    assert await mrns(PatientCriteria(phone_digits="4923500")) == ["F-1", "F-3"]
    assert await mrns(PatientCriteria(email="avila@example")) == ["F-1", "F-3"]
    assert await mrns(PatientCriteria(gender=AdministrativeGender.MALE)) == ["F-2"]
    assert await mrns(PatientCriteria(status=PatientStatus.INACTIVE)) == ["F-3"]
    assert await mrns(PatientCriteria(birth_date=date(1950, 6, 1), city="cambridge")) == ["F-3"]
    assert await mrns(PatientCriteria(identifier_system="urn:prm:mrn", identifier_value="F-2")) == ["F-2"]
    assert await mrns(PatientCriteria(identifier_value="F-2", identifier_system="other")) == []
    assert await mrns(PatientCriteria(text=TextMatch(name_prefixes=("ben",), mrn="F-2"))) == ["F-2", "F-3"]
    assert await mrns(PatientCriteria(name_prefixes=("100%",))) == []
    summary = (await store.finder.find(PatientCriteria(mrn="F-1"), PageRequest())).items[0]
    assert summary == PatientSummary.of(zoe)  # the list view built from columns matches the aggregate's
    assert (summary.full_name, summary.phone, summary.city) == ("Zoë Ávila", "+16174923500", "Cambridge")
    page = await store.finder.find(PatientCriteria(), PageRequest(2, 2))
    assert ([p.mrn for p in page.items], page.total) == (["F-3"], 3)


async def test_demographics_agree(store: Store) -> None:
    await store.repository.add_many(
        [
            patient(store, "S-1", birth_date=date(2010, 3, 10)),  # 16 on NOW's day
            patient(store, "S-2", birth_date=date(2008, 3, 10)),  # 18 exactly
            patient(store, "S-3", birth_date=None),
            replace(patient(store, "S-4"), status=PatientStatus.INACTIVE),
        ]
    )
    stats = await store.finder.demographics(NOW.date())
    assert stats.total == 4
    assert stats.by_age_band == {"0-17": 1, "18-34": 1, "unknown": 1, "35-49": 1}
    assert stats.by_status == {"active": 3, "inactive": 1}
    assert stats.by_city == {"Cambridge": 4}


async def test_a_large_batch_round_trips_awkward_text(store: Store) -> None:
    """Large batches take PostgreSQL's COPY path: separators, backslashes and non-Latin text survive."""
    awkward = ["Tab\there", "Line\nbreak", "Back\\slash", "Quote \"'", "Ünïcødé 李 مريم", "\\N", "NULL", "CR\rhere"]
    batch = [
        patient(
            store,
            f"AW-{i}",
            name=HumanName(given=(awkward[i % len(awkward)],), family=f"Family{i}"),
            identifiers=(Identifier(system="urn:test", value=awkward[i % len(awkward)] + str(i)),),
        )
        for i in range(120)
    ]
    await store.repository.add_many(batch)
    loaded = await store.repository.get_many_by_mrn([p.mrn for p in batch])
    assert {mrn: p.details for mrn, p in loaded.items()} == {p.mrn: p.details for p in batch}
    found = await store.finder.find(PatientCriteria(identifier_value="Back\\slash2"), PageRequest())
    assert [p.mrn for p in found.items] == ["AW-2"]
    with pytest.raises(DuplicateMrn):
        await store.repository.add_many([patient(store, f"AW-{i}") for i in range(60)])


async def test_name_search_by_every_token_of_any_length_in_list_order(store: Store) -> None:
    """Every typed token must start one of the given or family names: found through the token
    index whatever its length (one, two, three or more characters), merged with the free text's
    other alternatives, and paged in list order."""
    people = [
        patient(store, "N-1", name=HumanName(given=("Li", "Mei"), family="Wang")),
        patient(store, "N-2", name=HumanName(given=("Mary", "Ann"), family="Li")),
        patient(store, "N-3", name=HumanName(given=("Liam",), family="Lindqvist")),
        patient(store, "N-4", name=HumanName(given=("Marie",), family="Lévy-Martin")),
        patient(store, "N-5", name=HumanName(given=("Ann",), family="Martinez")),
        patient(store, "N-6", name=HumanName(given=(), family="Mar")),
    ]
    await store.repository.add_many(people)

    async def mrns(criteria: PatientCriteria, page: PageRequest = PageRequest()) -> list[str]:
        return [p.mrn for p in (await store.finder.find(criteria, page)).items]

    assert await mrns(PatientCriteria(name_prefixes=("li",))) == ["N-2", "N-3", "N-1"]
    assert await mrns(PatientCriteria(name_prefixes=("l",))) == ["N-4", "N-2", "N-3", "N-1"]
    assert await mrns(PatientCriteria(name_prefixes=("mar",))) == ["N-4", "N-2", "N-6", "N-5"]
    assert await mrns(PatientCriteria(name_prefixes=("mart",))) == ["N-4", "N-5"]
    assert await mrns(PatientCriteria(name_prefixes=("martinez",))) == ["N-5"]
    assert await mrns(PatientCriteria(name_prefixes=("ann", "mar"))) == ["N-2", "N-5"]
    assert await mrns(PatientCriteria(name_prefixes=("levy", "martin", "marie"))) == ["N-4"]
    assert await mrns(PatientCriteria(name_prefixes=("ma", "ma"))) == ["N-4", "N-2", "N-6", "N-5"]
    assert await mrns(PatientCriteria(name_prefixes=("marz",))) == []
    active = PatientCriteria(name_prefixes=("mar",), status=PatientStatus.ACTIVE)
    assert await mrns(active) == ["N-4", "N-2", "N-6", "N-5"]
    assert await mrns(PatientCriteria(name_prefixes=("mar",), status=PatientStatus.INACTIVE)) == []
    assert await mrns(PatientCriteria(name_prefixes=("mar",)), PageRequest(2, 3)) == ["N-5"]
    text = TextMatch(name_prefixes=("n",), mrn="N-3")  # no name starts with "n": the MRN alternative
    assert await mrns(PatientCriteria(text=text)) == ["N-3"]
    text = TextMatch(name_prefixes=("mar",), mrn="N-3")
    assert await mrns(PatientCriteria(text=text)) == ["N-4", "N-2", "N-3", "N-6", "N-5"]
    assert await mrns(PatientCriteria(text=text), PageRequest(2, 2)) == ["N-3", "N-6"]
    page = await store.finder.find(PatientCriteria(text=text), PageRequest(1, 2))
    assert (page.total, page.total_exact, page.has_next) == (5, True, True)
    page = await store.finder.find(PatientCriteria(name_prefixes=("ann", "mar")), PageRequest(1, 1))
    assert ([p.mrn for p in page.items], page.total, page.total_exact, page.has_next) == (["N-2"], 2, True, True)
    page = await store.finder.find(PatientCriteria(name_prefixes=("ann", "mar")), PageRequest(3, 1))
    assert (page.items, page.total, page.has_next) == ([], 2, False)
    both = TextMatch(name_prefixes=("ann", "mar"), mrn="N-3")  # two branches, each with its own INTERSECT
    page = await store.finder.find(PatientCriteria(name_prefixes=("m", "a"), text=both), PageRequest(1, 1))
    assert ([p.mrn for p in page.items], page.total, page.total_exact) == (["N-2"], 2, True)
    first = await store.finder.first(PatientCriteria(name_prefixes=("mar",)), 2)
    assert [p.mrn for p in first] == ["N-4", "N-2"]

    renamed = await store.repository.get(people[5].id)
    assert renamed is not None
    renamed.revise(NOW, name=HumanName(given=("Zoe",), family="Zed"))
    await store.repository.save(renamed, expected_version=1)
    assert await mrns(PatientCriteria(name_prefixes=("mar",))) == ["N-4", "N-2", "N-5"]
    assert await mrns(PatientCriteria(name_prefixes=("zo", "ze"))) == ["N-6"]


async def test_large_totals_are_counted_up_to_a_limit(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paging, "COUNT_LIMIT", 2)
    named = [patient(store, f"C-{i}", name=HumanName(given=("Ada",), family=f"Count{i}")) for i in range(5)]
    await store.repository.add_many(named)

    async def page(criteria: PatientCriteria, number: int) -> tuple[int, bool, bool]:
        found = await store.finder.find(criteria, PageRequest(number, 1))
        return found.total, found.total_exact, found.has_next

    exact = isinstance(store.finder, InMemoryPatients)  # the fake always counts everything
    # Two tokens: the page and its count in one statement, over one INTERSECT.
    two_tokens = PatientCriteria(name_prefixes=("count", "ada"))
    for criteria in (PatientCriteria(), PatientCriteria(name_prefixes=("count",)), two_tokens):
        assert await page(criteria, 1) == ((5, True, True) if exact else (3, False, True))  # "3 or more"
        assert await page(criteria, 4) == ((5, True, True) if exact else (5, False, True))
        assert await page(criteria, 5) == (5, True, False)
