"""The organisation aggregate's rules: details, the hierarchy (parents, cycles, types) and its events."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from prm.domain.organizations.errors import InvalidHierarchy, InvalidOrganization, OrganizationHasChildren
from prm.domain.organizations.events import OrganizationCreated, OrganizationDeleted, OrganizationUpdated
from prm.domain.organizations.ids import OrganizationId
from prm.domain.organizations.model import (
    Organization,
    OrganizationDetails,
    OrganizationStatus,
    OrganizationType,
    ParentOrganization,
    check_children,
    check_part_of,
    code_key,
)
from prm.domain.shared.contact import Address
from prm.domain.shared.ids import TenantId, new_id

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
TENANT = TenantId(new_id())
HOSPITAL, DEPARTMENT = OrganizationType.HOSPITAL, OrganizationType.DEPARTMENT


def an_id() -> OrganizationId:
    return OrganizationId(new_id())


def details(type_: OrganizationType = HOSPITAL, **more: Any) -> OrganizationDetails:
    values: dict[str, Any] = {"name": "AlHammadi Hospital", "code": "HOSP001", "type": type_, **more}
    return OrganizationDetails(**values)


def hospital() -> Organization:
    return Organization.create(tenant_id=TENANT, details=details(), parent=None, now=NOW)


def under(parent: Organization, type_: OrganizationType = DEPARTMENT, code: str = "DEPT_OPD") -> Organization:
    """A new organisation part of ``parent``, with the ancestors the parent really has."""
    ancestors: tuple[OrganizationId, ...] = (parent.part_of,) if parent.part_of else ()
    return Organization.create(
        tenant_id=TENANT,
        details=details(type_, name="Outpatient Department", code=code, part_of=parent.id),
        parent=ParentOrganization(id=parent.id, type=parent.type, ancestors=ancestors),
        now=NOW,
    )


# --- details --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"code": ""}, "code"),
        ({"code": "x" * 65}, "code"),
        ({"code": "DEPT OPD"}, "code"),
        ({"code": "_OPD"}, "code"),
        ({"code": "ÓPD"}, "code"),
        ({"phone": "+1" + "5" * 40}, "phone"),
    ],
)
def test_details_refuse_bad_texts_naming_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidOrganization) as refused:
        details(**changes)
    assert refused.value.field == field


def test_codes_compare_in_any_case_and_types_map_to_fhir_codes() -> None:
    assert details(code="Dept_OPD").code_key == details(code="DEPT_opd").code_key == code_key(" dept_opd ")
    assert details(code="OPD-1.a").code == "OPD-1.a"  # kept as written
    assert (HOSPITAL.fhir_code, DEPARTMENT.fhir_code) == ("prov", "dept")
    assert details().status is OrganizationStatus.ACTIVE


def test_the_city_and_sort_key_come_from_the_address_and_folded_name() -> None:
    riyadh = details(name="Ávila Clinic", address=Address(line=("1 Main St",), city="Riyadh"))
    assert (riyadh.city, riyadh.sort_key) == ("Riyadh", "avila clinic")
    assert details().city is None


def test_a_department_must_be_part_of_something() -> None:
    with pytest.raises(InvalidHierarchy) as refused:
        details(DEPARTMENT)
    assert refused.value.field == "part_of"
    assert details(DEPARTMENT, part_of=an_id()).part_of is not None
    assert details(HOSPITAL).part_of is None  # a hospital may stand alone


# --- the hierarchy --------------------------------------------------------------------------------


def test_departments_sit_under_hospitals_or_departments_and_hospitals_under_hospitals() -> None:
    group = hospital()
    member = under(group, HOSPITAL, code="HOSP002")
    opd = under(member)
    clinic = under(opd, code="OPD_CARDIO")
    assert (member.part_of, opd.part_of, clinic.part_of) == (group.id, member.id, opd.id)
    assert clinic.events == [OrganizationCreated(clinic.id)]
    assert (clinic.version, clinic.created_at, clinic.updated_at) == (1, NOW, NOW)


def test_a_hospital_cannot_be_part_of_a_department() -> None:
    opd = under(hospital())
    with pytest.raises(InvalidHierarchy, match="hospital cannot be part of a department") as refused:
        under(opd, HOSPITAL, code="HOSP009")
    assert refused.value.field == "part_of"


def test_a_parent_the_tenant_does_not_have_is_refused() -> None:
    wanted = an_id()
    with pytest.raises(InvalidHierarchy) as refused:
        Organization.create(tenant_id=TENANT, details=details(DEPARTMENT, part_of=wanted), parent=None, now=NOW)
    assert refused.value.field == "part_of"
    elsewhere = ParentOrganization(id=an_id(), type=HOSPITAL)  # not the one part_of names
    with pytest.raises(InvalidHierarchy):
        check_part_of(an_id(), details(DEPARTMENT, part_of=wanted), elsewhere)


def test_no_organization_is_part_of_itself_directly_or_not() -> None:
    top, middle, low = an_id(), an_id(), an_id()
    with pytest.raises(InvalidHierarchy, match="part of itself"):
        check_part_of(top, details(DEPARTMENT, part_of=top), ParentOrganization(id=top, type=HOSPITAL))
    # Moving ``middle`` under ``low``, which is part of ``middle`` (itself part of ``top``): a cycle.
    low_as_parent = ParentOrganization(id=low, type=DEPARTMENT, ancestors=(middle, top))
    with pytest.raises(InvalidHierarchy, match="part of itself") as refused:
        check_part_of(middle, details(DEPARTMENT, part_of=low), low_as_parent)
    assert refused.value.field == "part_of"
    check_part_of(an_id(), details(DEPARTMENT, part_of=low), low_as_parent)  # a newcomer may go there


def test_a_department_cannot_have_a_hospital_part_of_it() -> None:
    check_children(details(DEPARTMENT, part_of=an_id()), {DEPARTMENT})
    check_children(details(HOSPITAL), {HOSPITAL, DEPARTMENT})
    with pytest.raises(InvalidHierarchy) as refused:
        check_children(details(DEPARTMENT, part_of=an_id()), {DEPARTMENT, HOSPITAL})
    assert refused.value.field == "type"


# --- revise and delete ----------------------------------------------------------------------------


def test_revise_bumps_the_version_and_records_the_changed_field_names_only() -> None:
    organization = hospital()
    later = NOW + timedelta(hours=1)
    assert organization.revise(later, {"name": "AlHammadi Hospital", "phone": "+966112345678"}) == ("phone",)
    assert (organization.version, organization.updated_at, organization.details.phone) == (2, later, "+966112345678")
    assert organization.events[-1] == OrganizationUpdated(organization.id, ("phone",))
    assert organization.revise(later, {"phone": "+966112345678"}) == ()
    assert organization.version == 2


def test_a_move_is_checked_against_the_new_parent_and_a_refused_one_changes_nothing() -> None:
    group = hospital()
    opd = under(group)
    lab = under(opd, code="LAB")
    assert not lab.moves({"name": "Laboratory", "part_of": opd.id})
    assert lab.moves({"part_of": group.id})
    assert lab.moves({"type": HOSPITAL})

    as_parent = ParentOrganization(id=lab.id, type=DEPARTMENT, ancestors=(opd.id, group.id))
    with pytest.raises(InvalidHierarchy):
        opd.revise(NOW, {"part_of": lab.id}, parent=as_parent)
    assert (opd.part_of, opd.version) == (group.id, 1)

    moved = lab.revise(NOW, {"part_of": group.id}, parent=ParentOrganization(id=group.id, type=HOSPITAL))
    assert (moved, lab.part_of, lab.version) == (("part_of",), group.id, 2)


def test_a_hospital_with_hospitals_in_it_cannot_become_a_department() -> None:
    group = hospital()
    other = Organization.create(tenant_id=TENANT, details=details(code="HOSP_OTHER"), parent=None, now=NOW)
    with pytest.raises(InvalidHierarchy) as refused:
        group.revise(
            NOW,
            {"type": DEPARTMENT, "part_of": other.id},
            parent=ParentOrganization(id=other.id, type=HOSPITAL),
            child_types={HOSPITAL},
        )
    assert refused.value.field == "type"
    assert group.type is HOSPITAL
    group.revise(
        NOW,
        {"type": DEPARTMENT, "part_of": other.id},
        parent=ParentOrganization(id=other.id, type=HOSPITAL),
        child_types={DEPARTMENT},
    )
    assert (group.type, group.part_of) == (DEPARTMENT, other.id)


def test_revise_refuses_unknown_fields_and_a_department_left_without_parent() -> None:
    opd = under(hospital())
    with pytest.raises(InvalidOrganization) as unknown:
        opd.revise(NOW, {"tenant_id": TENANT})
    assert unknown.value.field == "tenant_id"
    with pytest.raises(InvalidHierarchy) as orphan:
        opd.revise(NOW, {"part_of": None})
    assert orphan.value.field == "part_of"


def test_delete_is_refused_while_something_is_part_of_it() -> None:
    organization = hospital()
    with pytest.raises(OrganizationHasChildren):
        organization.delete(has_children=True)
    assert not any(isinstance(e, OrganizationDeleted) for e in organization.events)
    organization.delete(has_children=False)
    assert organization.events[-1] == OrganizationDeleted(organization.id)
