"""Register, read, update, delete and list practitioners, with in-memory fakes of the ports."""

from datetime import timedelta

import pytest

from prm.application.practitioners.delete_practitioner import DeletePractitioner
from prm.application.practitioners.get_practitioner import GetPractitioner
from prm.application.practitioners.inputs import PractitionerInput, build_details
from prm.application.practitioners.list_practitioners import ListPractitioners, ListPractitionersQuery
from prm.application.practitioners.list_practitioners_simple import (
    SIMPLE_LIST_LIMIT,
    ListPractitionersSimple,
    ListPractitionersSimpleQuery,
)
from prm.application.practitioners.list_specialities import ListSpecialities
from prm.application.practitioners.register_practitioner import RegisterPractitioner
from prm.application.practitioners.update_practitioner import UpdatePractitioner, UpdatePractitionerCommand
from prm.application.shared.context import SYSTEM, RequestContext
from prm.application.shared.paging import PageRequest
from prm.domain.practitioners.errors import DuplicateExternalId, DuplicateLicense, PractitionerNotFound
from prm.domain.practitioners.events import PractitionerDeleted, PractitionerRegistered, PractitionerUpdated
from prm.domain.practitioners.model import Practitioner
from prm.domain.shared.contact import InvalidPhoneNumber
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PractitionerId, TenantId, new_id
from tests.unit.practitioners.conftest import NOW, TENANT
from tests.unit.practitioners.fakes import (
    FakeUnitOfWork,
    FixedClock,
    InMemoryAuditTrail,
    InMemoryOutbox,
    InMemoryPractitioners,
)


@pytest.fixture
def register(
    store: InMemoryPractitioners, outbox: InMemoryOutbox, uow: FakeUnitOfWork, clock: FixedClock
) -> RegisterPractitioner:
    return RegisterPractitioner(
        store,
        outbox,
        uow,
        clock,
        RequestContext(tenant_id=TENANT, principal=SYSTEM, phone_region="GB"),
        InMemoryAuditTrail(),
    )


@pytest.fixture
def update(
    store: InMemoryPractitioners, outbox: InMemoryOutbox, uow: FakeUnitOfWork, clock: FixedClock
) -> UpdatePractitioner:
    return UpdatePractitioner(
        store, outbox, uow, clock, RequestContext(tenant_id=TENANT, principal=SYSTEM), InMemoryAuditTrail()
    )


def given(first: str = "John", last: str = "Smith", **more: object) -> PractitionerInput:
    return PractitionerInput(first_name=first, last_name=last, **more)  # type: ignore[arg-type]


# --- register -------------------------------------------------------------------------------------


async def test_registers_with_an_e164_phone_in_the_tenant_region(
    register: RegisterPractitioner, store: InMemoryPractitioners, outbox: InMemoryOutbox, uow: FakeUnitOfWork
) -> None:
    practitioner = await register(given(prefix="Dr.", phone_primary="0161 496 0000"))
    assert practitioner.details.phone_primary == "+441614960000"
    assert (practitioner.name, practitioner.tenant_id, practitioner.version) == ("Dr. John Smith", TENANT, 1)
    assert await store.get(practitioner.id) is not None
    assert outbox.events == [PractitionerRegistered(practitioner.id)]
    assert uow.commits == 1


async def test_refuses_a_license_number_the_tenant_has(
    register: RegisterPractitioner, uow: FakeUnitOfWork, store: InMemoryPractitioners
) -> None:
    await register(given(license_number="MD123"))
    with pytest.raises(DuplicateLicense):
        await register(given("Ann", "Lee", license_number="MD123"))
    assert (uow.commits, len(store.rows)) == (1, 1)


async def test_refuses_an_external_id_the_tenant_has(register: RegisterPractitioner, uow: FakeUnitOfWork) -> None:
    await register(given(external_id="synthea-1"))
    with pytest.raises(DuplicateExternalId):
        await register(given("Ann", "Lee", external_id="synthea-1"))
    assert uow.commits == 1


async def test_another_tenant_may_use_the_same_license(
    register: RegisterPractitioner, store: InMemoryPractitioners
) -> None:
    other = await register(given(license_number="MD123"))
    store.rows[other.id].tenant_id = TenantId(new_id())
    assert (await register(given(license_number="MD123"))).details.license_number == "MD123"


async def test_an_invalid_phone_names_the_field_and_commits_nothing(
    register: RegisterPractitioner, uow: FakeUnitOfWork
) -> None:
    with pytest.raises(InvalidPhoneNumber) as caught:
        await register(given(phone_primary="12"))
    assert (caught.value.field, uow.commits) == ("phone_primary", 0)


# --- get ------------------------------------------------------------------------------------------


async def test_get_finds_only_the_tenants_practitioners(
    register: RegisterPractitioner, store: InMemoryPractitioners
) -> None:
    practitioner = await register(given())
    assert (await GetPractitioner(store)(practitioner.id)).id == practitioner.id
    with pytest.raises(PractitionerNotFound):
        await GetPractitioner(InMemoryPractitioners(TenantId(new_id())))(practitioner.id)
    with pytest.raises(PractitionerNotFound):
        await GetPractitioner(store)(PractitionerId(new_id()))


# --- update ---------------------------------------------------------------------------------------


async def test_update_changes_the_given_fields_only(
    register: RegisterPractitioner,
    update: UpdatePractitioner,
    store: InMemoryPractitioners,
    outbox: InMemoryOutbox,
    uow: FakeUnitOfWork,
    clock: FixedClock,
) -> None:
    created = await register(given(speciality="Cardiology", email_primary="a@example.com"))
    clock.current = NOW + timedelta(minutes=5)
    updated = await update(
        UpdatePractitionerCommand(
            practitioner_id=created.id,
            changes={"phone_primary": "(617) 492-3500", "speciality": "Cardiology"},
            expected_version=1,
        )
    )
    assert (updated.version, updated.updated_at) == (2, clock.current)
    assert (updated.details.phone_primary, updated.details.email_primary) == ("+16174923500", "a@example.com")
    assert outbox.events[-1] == PractitionerUpdated(created.id, ("phone_primary",))
    assert (await store.get(created.id)) is not None
    assert (await GetPractitioner(store)(created.id)).version == 2
    assert uow.commits == 2


async def test_a_stale_version_is_refused(
    register: RegisterPractitioner, update: UpdatePractitioner, uow: FakeUnitOfWork
) -> None:
    created = await register(given())
    await update(UpdatePractitionerCommand(practitioner_id=created.id, changes={"speciality": "A"}))
    with pytest.raises(StaleVersion):
        await update(
            UpdatePractitionerCommand(practitioner_id=created.id, changes={"speciality": "B"}, expected_version=1)
        )
    assert uow.commits == 2


async def test_an_update_that_changes_nothing_writes_nothing(
    register: RegisterPractitioner, update: UpdatePractitioner, uow: FakeUnitOfWork
) -> None:
    created = await register(given(speciality="Cardiology"))
    same = await update(UpdatePractitionerCommand(practitioner_id=created.id, changes={"speciality": " Cardiology "}))
    assert (same.version, uow.commits) == (1, 1)


async def test_update_refuses_a_taken_license_but_keeps_ones_own(
    register: RegisterPractitioner, update: UpdatePractitioner
) -> None:
    await register(given(license_number="MD1"))
    second = await register(given("Ann", "Lee", license_number="MD2", external_id="x2"))
    with pytest.raises(DuplicateLicense):
        await update(UpdatePractitionerCommand(practitioner_id=second.id, changes={"license_number": "MD1"}))
    with pytest.raises(DuplicateExternalId):
        await register(given("Bo", "Li", external_id="x2"))
    kept = await update(
        UpdatePractitionerCommand(practitioner_id=second.id, changes={"license_number": "MD2", "first_name": "Anna"})
    )
    assert (kept.details.license_number, kept.details.first_name) == ("MD2", "Anna")


async def test_update_of_an_unknown_practitioner_is_not_found(update: UpdatePractitioner) -> None:
    with pytest.raises(PractitionerNotFound):
        await update(UpdatePractitionerCommand(practitioner_id=PractitionerId(new_id()), changes={"prefix": "Dr."}))


# --- delete ---------------------------------------------------------------------------------------


async def test_delete_removes_the_practitioner_for_good(
    register: RegisterPractitioner, store: InMemoryPractitioners, outbox: InMemoryOutbox, uow: FakeUnitOfWork
) -> None:
    created = await register(given())
    delete = DeletePractitioner(store, outbox, uow, InMemoryAuditTrail())
    with pytest.raises(StaleVersion):
        await delete(created.id, expected_version=2)
    await delete(created.id, expected_version=1)
    assert await store.get(created.id) is None
    assert outbox.events[-1] == PractitionerDeleted(created.id)
    assert uow.commits == 2
    with pytest.raises(PractitionerNotFound):
        await delete(created.id)


# --- lists ----------------------------------------------------------------------------------------


async def _team(register: RegisterPractitioner) -> dict[str, Practitioner]:
    people = [
        given("Zoe", "Ávila", prefix="Dr.", speciality="Cardiology"),
        given("Adam", "avila", speciality="cardiology"),
        given("John", "Smith", speciality="Pédiatrie", is_active=False),
        given("Ann", "Smithe", middle_name="Joanna"),
    ]
    return {p.details.first_name: p for p in [await register(g) for g in people]}


async def test_list_orders_by_last_then_first_name_and_filters(
    register: RegisterPractitioner, store: InMemoryPractitioners
) -> None:
    await _team(register)
    list_practitioners = ListPractitioners(store)

    async def names(**query: object) -> list[str]:
        page = await list_practitioners(ListPractitionersQuery(**query))  # type: ignore[arg-type]
        return [p.details.first_name for p in page.items]

    assert await names() == ["Adam", "Zoe", "John", "Ann"]
    assert await names(speciality="CARDIOLOGY") == ["Adam", "Zoe"]
    assert await names(speciality="pediatrie") == ["John"]
    assert await names(is_active=False) == ["John"]
    assert await names(search="AVI z") == ["Zoe"]
    assert await names(search="jo") == ["John", "Ann"]  # Ann Joanna Smithe: middle names count
    assert await names(search="  ") == ["Adam", "Zoe", "John", "Ann"]
    page = await list_practitioners(ListPractitionersQuery(page=PageRequest(2, 3)))
    assert ([p.details.first_name for p in page.items], page.total, page.has_previous, page.has_next) == (
        ["Ann"],
        4,
        True,
        False,
    )


async def test_simple_list_shows_active_display_names_by_default(
    register: RegisterPractitioner, store: InMemoryPractitioners
) -> None:
    team = await _team(register)
    simple = ListPractitionersSimple(store)
    active = await simple(ListPractitionersSimpleQuery())
    assert [s.name for s in active] == ["Adam avila", "Dr. Zoe Ávila", "Ann Smithe"]
    everyone = await simple(ListPractitionersSimpleQuery(active_only=False, speciality="Pédiatrie"))
    assert [(s.id, s.is_active, s.speciality) for s in everyone] == [(team["John"].id, False, "Pédiatrie")]


async def test_simple_list_is_capped(store: InMemoryPractitioners) -> None:
    for i in range(SIMPLE_LIST_LIMIT + 1):
        practitioner = Practitioner.register(
            tenant_id=TENANT, details=build_details(given(last=f"P{i:04}"), "US"), now=NOW
        )
        store.rows[practitioner.id] = practitioner
    found = await ListPractitionersSimple(store)(ListPractitionersSimpleQuery())
    assert len(found) == SIMPLE_LIST_LIMIT == 1000
    assert found[-1].name == "John P0999"


async def test_specialities_are_distinct_and_sorted(
    register: RegisterPractitioner, store: InMemoryPractitioners
) -> None:
    await _team(register)
    await register(given("Eve", "Ng", speciality="Cardiology"))
    assert await ListSpecialities(store)() == ["Cardiology", "cardiology", "Pédiatrie"]
