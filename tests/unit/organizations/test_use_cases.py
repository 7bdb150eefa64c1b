"""Create, read, update, delete and list organisations, with in-memory fakes of the ports."""

from typing import Any
from uuid import UUID

import pytest

from prm.application.organizations.create_organization import CreateOrganization
from prm.application.organizations.delete_organization import DeleteOrganization
from prm.application.organizations.get_organization import GetOrganization
from prm.application.organizations.inputs import OrganizationInput
from prm.application.organizations.list_organizations import (
    ListDepartments,
    ListDepartmentsQuery,
    ListOrganizations,
    ListOrganizationsQuery,
)
from prm.application.organizations.update_organization import UpdateOrganization, UpdateOrganizationCommand
from prm.application.shared.context import RequestContext
from prm.domain.organizations.errors import (
    DuplicateOrganizationCode,
    InvalidHierarchy,
    InvalidOrganization,
    OrganizationHasChildren,
    OrganizationNotFound,
)
from prm.domain.organizations.events import OrganizationCreated, OrganizationDeleted, OrganizationUpdated
from prm.domain.organizations.ids import OrganizationId
from prm.domain.organizations.model import Organization, OrganizationStatus, OrganizationType
from prm.domain.shared.contact import Address, InvalidEmail, InvalidPhoneNumber
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import TenantId, new_id
from tests.unit.organizations.conftest import TENANT
from tests.unit.organizations.fakes import (
    FakeUnitOfWork,
    FixedClock,
    InMemoryAuditTrail,
    InMemoryOrganizations,
    InMemoryOutbox,
)

HOSPITAL, DEPARTMENT = OrganizationType.HOSPITAL, OrganizationType.DEPARTMENT


@pytest.fixture
def create(
    store: InMemoryOrganizations,
    outbox: InMemoryOutbox,
    uow: FakeUnitOfWork,
    clock: FixedClock,
    context: RequestContext,
    audit: InMemoryAuditTrail,
) -> CreateOrganization:
    return CreateOrganization(store, outbox, uow, clock, context, audit)


@pytest.fixture
def update(
    store: InMemoryOrganizations,
    outbox: InMemoryOutbox,
    uow: FakeUnitOfWork,
    clock: FixedClock,
    context: RequestContext,
    audit: InMemoryAuditTrail,
) -> UpdateOrganization:
    return UpdateOrganization(store, outbox, uow, clock, context, audit)


def given(code: str = "HOSP001", type_: OrganizationType = HOSPITAL, **more: Any) -> OrganizationInput:
    values: dict[str, Any] = {"name": f"Org {code}", "code": code, "type": type_, **more}
    return OrganizationInput(**values)


async def a_tree(create: CreateOrganization) -> dict[str, Organization]:
    """hosp ─ opd ─ cardio, and hosp ─ lab; a second hospital ``other``."""
    hosp = await create(given("HOSP001"))
    opd = await create(given("DEPT_OPD", DEPARTMENT, part_of=hosp.id))
    cardio = await create(given("OPD_CARDIO", DEPARTMENT, part_of=opd.id))
    lab = await create(given("DEPT_LAB", DEPARTMENT, part_of=hosp.id))
    other = await create(given("HOSP002"))
    return {"hosp": hosp, "opd": opd, "cardio": cardio, "lab": lab, "other": other}


# --- create ---------------------------------------------------------------------------------------


async def test_creates_with_an_e164_phone_in_the_tenant_region_an_event_and_an_audit_record(
    create: CreateOrganization,
    store: InMemoryOrganizations,
    outbox: InMemoryOutbox,
    uow: FakeUnitOfWork,
    audit: InMemoryAuditTrail,
) -> None:
    organization = await create(
        given(
            name="  AlHammadi Hospital ",
            code=" HOSP001 ",
            phone="011 234 5678",
            email="Contact.Desk@AlHammadi.SA",
            address=Address(line=("123 Main St",), city="Riyadh"),
        )
    )
    d = organization.details
    assert (d.name, d.code, d.phone, d.email) == (
        "AlHammadi Hospital",
        "HOSP001",
        "+966112345678",
        "Contact.Desk@alhammadi.sa",
    )
    assert (organization.tenant_id, organization.version, d.status) == (TENANT, 1, OrganizationStatus.ACTIVE)
    assert await store.get(organization.id) is not None
    assert outbox.events == [OrganizationCreated(organization.id)]
    assert audit.events == [("create", "organization", organization.id, ())]
    assert uow.commits == 1


async def test_a_code_the_tenant_has_in_any_case_is_refused(
    create: CreateOrganization, store: InMemoryOrganizations, uow: FakeUnitOfWork
) -> None:
    await create(given("Dept_OPD"))
    with pytest.raises(DuplicateOrganizationCode):
        await create(given("DEPT_opd"))
    assert (len(store.rows), uow.commits) == (1, 1)


async def test_another_tenant_may_use_the_same_code(create: CreateOrganization, store: InMemoryOrganizations) -> None:
    theirs = InMemoryOrganizations(TenantId(new_id()), store.rows)
    other_tenant = CreateOrganization(
        theirs,
        InMemoryOutbox(),
        FakeUnitOfWork(),
        FixedClock(),
        RequestContext(tenant_id=theirs.tenant_id, principal=create._context.principal),
        InMemoryAuditTrail(),
    )
    their_hospital = await other_tenant(given("HOSP001"))
    mine = await create(given("hosp001"))
    assert mine.tenant_id != their_hospital.tenant_id
    # ... and may not put a department under another tenant's hospital: it is unknown here.
    with pytest.raises(InvalidHierarchy) as refused:
        await create(given("DEPT_X", DEPARTMENT, part_of=their_hospital.id))
    assert refused.value.field == "part_of"


@pytest.mark.parametrize(
    ("bad", "error", "field"),
    [
        ({"type_": DEPARTMENT}, InvalidHierarchy, "part_of"),
        ({"phone": "12"}, InvalidPhoneNumber, "phone"),
        ({"email": "not-an-email"}, InvalidEmail, "email"),
        ({"code": "   "}, InvalidOrganization, "code"),
        ({"part_of": OrganizationId(new_id()), "type_": DEPARTMENT}, InvalidHierarchy, "part_of"),
    ],
)
async def test_bad_input_is_refused_naming_the_field(
    create: CreateOrganization, store: InMemoryOrganizations, bad: dict[str, Any], error: type, field: str
) -> None:
    with pytest.raises(error) as refused:
        await create(given(**bad))
    assert getattr(refused.value, "field", None) == field
    assert store.rows == {}


async def test_a_hospital_cannot_be_created_inside_a_department(create: CreateOrganization) -> None:
    tree = await a_tree(create)
    with pytest.raises(InvalidHierarchy, match="hospital cannot be part of a department"):
        await create(given("HOSP_IN_DEPT", HOSPITAL, part_of=tree["opd"].id))
    group_member = await create(given("HOSP_MEMBER", HOSPITAL, part_of=tree["hosp"].id))
    assert group_member.part_of == tree["hosp"].id


# --- read -----------------------------------------------------------------------------------------


async def test_get_is_audited_and_unknown_ids_are_not_found(
    create: CreateOrganization, store: InMemoryOrganizations, audit: InMemoryAuditTrail, uow: FakeUnitOfWork
) -> None:
    organization = await create(given())
    get = GetOrganization(store, audit, uow)
    assert (await get(organization.id)).details.code == "HOSP001"
    assert audit.events[-1] == ("read", "organization", organization.id, ())
    with pytest.raises(OrganizationNotFound):
        await get(OrganizationId(new_id()))


# --- update ---------------------------------------------------------------------------------------


async def test_update_changes_the_fields_given_and_records_their_names(
    create: CreateOrganization,
    update: UpdateOrganization,
    outbox: InMemoryOutbox,
    audit: InMemoryAuditTrail,
) -> None:
    organization = await create(given(phone="+966112345678"))
    updated = await update(
        UpdateOrganizationCommand(
            organization_id=organization.id,
            changes={"name": "AlHammadi", "status": "inactive", "phone": "+966112345678"},
            expected_version=1,
        )
    )
    assert (updated.name, updated.details.status, updated.version) == ("AlHammadi", OrganizationStatus.INACTIVE, 2)
    assert outbox.events[-1] == OrganizationUpdated(organization.id, ("name", "status"))
    assert audit.events[-1] == ("update", "organization", organization.id, ("name", "status"))
    with pytest.raises(StaleVersion):
        await update(
            UpdateOrganizationCommand(organization_id=organization.id, changes={"name": "X"}, expected_version=1)
        )


async def test_update_refuses_a_code_another_organization_has_in_any_case(
    create: CreateOrganization, update: UpdateOrganization
) -> None:
    await create(given("HOSP001"))
    second = await create(given("HOSP002"))
    with pytest.raises(DuplicateOrganizationCode):
        await update(UpdateOrganizationCommand(organization_id=second.id, changes={"code": "hosp001"}))
    recased = await update(UpdateOrganizationCommand(organization_id=second.id, changes={"code": "hosp002"}))
    assert (recased.details.code, recased.version) == ("hosp002", 2)  # its own code in another case


async def test_update_refuses_cycles_and_moves_that_break_the_hierarchy(
    create: CreateOrganization, update: UpdateOrganization, store: InMemoryOrganizations
) -> None:
    tree = await a_tree(create)
    opd = tree["opd"].id

    async def move(name: str, **changes: Any) -> Organization:
        return await update(UpdateOrganizationCommand(organization_id=tree[name].id, changes=changes))

    for target in (opd, tree["cardio"].id):  # itself, then its own department
        with pytest.raises(InvalidHierarchy, match="part of itself"):
            await move("opd", part_of=target)
    with pytest.raises(InvalidHierarchy, match="part of itself"):
        await move("hosp", part_of=tree["cardio"].id, type=DEPARTMENT)
    with pytest.raises(InvalidHierarchy) as unknown:
        await move("lab", part_of=UUID(int=1))
    assert unknown.value.field == "part_of"
    with pytest.raises(InvalidHierarchy) as orphan:
        await move("lab", part_of=None)
    assert orphan.value.field == "part_of"
    assert (await store.get(OrganizationId(opd))).version == 1  # type: ignore[union-attr]

    moved = await move("cardio", part_of=tree["other"].id)
    assert moved.part_of == tree["other"].id
    promoted = await move("lab", type="hospital", part_of=None)
    assert (promoted.type, promoted.part_of) == (HOSPITAL, None)


async def test_a_hospital_with_a_hospital_in_it_cannot_become_a_department(
    create: CreateOrganization, update: UpdateOrganization
) -> None:
    tree = await a_tree(create)
    await create(given("HOSP_MEMBER", HOSPITAL, part_of=tree["hosp"].id))
    with pytest.raises(InvalidHierarchy) as refused:
        await update(
            UpdateOrganizationCommand(
                organization_id=tree["hosp"].id, changes={"type": "department", "part_of": tree["other"].id}
            )
        )
    assert refused.value.field == "type"


async def test_update_errors_for_unknown_ids_and_fields(update: UpdateOrganization) -> None:
    with pytest.raises(OrganizationNotFound):
        await update(UpdateOrganizationCommand(organization_id=OrganizationId(new_id()), changes={"name": "X"}))
    with pytest.raises(InvalidOrganization) as refused:
        await update(UpdateOrganizationCommand(organization_id=OrganizationId(new_id()), changes={"version": 3}))
    assert refused.value.field == "version"


# --- delete ---------------------------------------------------------------------------------------


async def test_delete_is_refused_while_departments_remain(
    create: CreateOrganization,
    store: InMemoryOrganizations,
    outbox: InMemoryOutbox,
    uow: FakeUnitOfWork,
    audit: InMemoryAuditTrail,
) -> None:
    tree = await a_tree(create)
    delete = DeleteOrganization(store, outbox, uow, audit)
    with pytest.raises(OrganizationHasChildren):
        await delete(tree["opd"].id)
    with pytest.raises(StaleVersion):
        await delete(tree["cardio"].id, expected_version=2)
    await delete(tree["cardio"].id, expected_version=1)
    await delete(tree["opd"].id)
    assert await store.get(tree["opd"].id) is None
    assert outbox.events[-2:] == [OrganizationDeleted(tree["cardio"].id), OrganizationDeleted(tree["opd"].id)]
    assert audit.events[-1] == ("delete", "organization", tree["opd"].id, ())
    with pytest.raises(OrganizationNotFound):
        await delete(tree["opd"].id)


# --- lists ----------------------------------------------------------------------------------------


async def test_list_filters_by_type_parent_status_city_and_search(
    create: CreateOrganization, store: InMemoryOrganizations, audit: InMemoryAuditTrail, uow: FakeUnitOfWork
) -> None:
    hosp = await create(given("HOSP001", name="Ávila General", address=Address(city="Riyadh")))
    await create(given("DEPT_OPD", DEPARTMENT, name="Outpatients", part_of=hosp.id, status="inactive"))
    await create(given("DEPT_ER", DEPARTMENT, name="Emergency", part_of=hosp.id))
    await create(given("JED01", name="Jeddah Clinic", address=Address(city="Jeddah")))
    listing = ListOrganizations(store, audit, uow)

    async def names(**query: Any) -> list[str]:
        return [o.name for o in (await listing(ListOrganizationsQuery(**query))).items]

    assert await names() == ["Ávila General", "Emergency", "Jeddah Clinic", "Outpatients"]
    assert await names(type=DEPARTMENT) == ["Emergency", "Outpatients"]
    assert await names(part_of=hosp.id, status=OrganizationStatus.ACTIVE) == ["Emergency"]
    assert await names(city=" RIYADH ") == ["Ávila General"]
    assert await names(search="avila") == ["Ávila General"]
    assert await names(search="dept_") == ["Emergency", "Outpatients"]  # by code, any case
    assert await names(search="  ") == await names()
    assert audit.events[-1][0] == "search"


async def test_departments_of_an_organization(
    create: CreateOrganization, store: InMemoryOrganizations, audit: InMemoryAuditTrail, uow: FakeUnitOfWork
) -> None:
    tree = await a_tree(create)
    departments = ListDepartments(store, store, audit, uow)
    page = await departments(ListDepartmentsQuery(organization_id=tree["hosp"].id))
    assert [o.id for o in page.items] == [tree["lab"].id, tree["opd"].id]  # direct children, by name
    assert (await departments(ListDepartmentsQuery(organization_id=tree["cardio"].id))).items == []
    with pytest.raises(OrganizationNotFound):
        await departments(ListDepartmentsQuery(organization_id=OrganizationId(new_id())))
