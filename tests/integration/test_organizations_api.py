"""The organisations API and its SQL adapters, on SQLite and on PostgreSQL (see ``tests/conftest.py``)."""

from typing import Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.adapters.sql.audit_tables import audit_events
from prm.adapters.sql.connection import SqlDatabase
from prm.adapters.sql.outbox_tables import outbox
from prm.application.organizations.create_organization import CreateOrganization
from prm.application.organizations.inputs import OrganizationInput
from prm.application.organizations.ports import OrganizationRepository
from prm.domain.organizations.errors import DuplicateOrganizationCode
from prm.domain.organizations.model import Organization, OrganizationDetails, OrganizationType
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import TenantId
from prm.entrypoints.library import Prm
from prm.settings import Settings

BASE = "/api/v1/prm/organizations"
Client = AsyncTestClient[Litestar]


async def create(client: Client, code: str, type_: str = "hospital", **more: Any) -> dict[str, Any]:
    response = await client.post(
        BASE, json={"name": more.pop("name", f"Org {code}"), "code": code, "type": type_, **more}
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def a_tree(client: Client) -> dict[str, str]:
    """AlHammadi (Riyadh) ─ Outpatients ─ Cardiology clinic, AlHammadi ─ Laboratory; Jeddah Clinic."""
    hosp = await create(client, "HOSP001", name="AlHammadi Hospital", address={"city": "Riyadh"})
    opd = await create(client, "DEPT_OPD", "department", name="Outpatient Department", part_of=hosp["id"])
    cardio = await create(client, "OPD_CARDIO", "department", name="Cardiology Clinic", part_of=opd["id"])
    lab = await create(client, "DEPT_LAB", "department", name="Laboratory", part_of=hosp["id"], status="inactive")
    jeddah = await create(client, "JED01", name="Jeddah Clinic", address={"city": "Jeddah"})
    return {"hosp": hosp["id"], "opd": opd["id"], "cardio": cardio["id"], "lab": lab["id"], "jeddah": jeddah["id"]}


# --- create and read ------------------------------------------------------------------------------


async def test_create_is_201_with_an_e164_phone_and_an_etag(client: Client, tenant_id: UUID) -> None:
    response = await client.post(
        BASE,
        json={
            "name": "AlHammadi Hospital",
            "code": "HOSP001",
            "type": "hospital",
            "address": {"line": ["123 Main St"], "city": "Riyadh", "country": "SA"},
            "phone": "(617) 492-3500",
            "email": "Desk@AlHammadi.SA",
            "tenant_id": str(tenant_id),
        },
    )
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == 'W/"1"'
    created = response.json()
    assert {k: created[k] for k in ("name", "code", "type", "part_of", "phone", "email", "status", "version")} == {
        "name": "AlHammadi Hospital",
        "code": "HOSP001",
        "type": "hospital",
        "part_of": None,
        "phone": "+16174923500",
        "email": "Desk@alhammadi.sa",
        "status": "active",
        "version": 1,
    }
    assert (created["tenant_id"], created["address"]["city"]) == (str(tenant_id), "Riyadh")

    fetched = await client.get(f"{BASE}/{created['id']}")
    assert (fetched.status_code, fetched.headers["etag"]) == (200, 'W/"1"')
    assert fetched.json() == created

    department = await create(client, "DEPT_OPD", "department", part_of=created["id"])
    assert (department["type"], department["part_of"]) == ("department", created["id"])


async def test_get_of_an_unknown_id_is_404(client: Client) -> None:
    response = await client.get(f"{BASE}/{uuid4()}")
    assert (response.status_code, response.json()["code"]) == (404, "organizations.not_found")


@pytest.mark.parametrize(
    ("payload", "loc", "code"),
    [
        (
            {"name": "OPD", "code": "DEPT_OPD", "type": "department"},
            ["body", "part_of"],
            "organizations.invalid_hierarchy",
        ),
        (
            {"name": "OPD", "code": "DEPT_OPD", "type": "department", "part_of": str(uuid4())},
            ["body", "part_of"],
            "organizations.invalid_hierarchy",
        ),
        (
            {"name": "H", "code": "H1", "type": "hospital", "phone": "555"},
            ["body", "phone"],
            "prm.invalid_phone_number",
        ),
        ({"name": "H", "code": "H1", "type": "hospital", "email": "nope"}, ["body", "email"], "prm.invalid_email"),
        ({"name": "H", "code": "H 1", "type": "hospital"}, ["body", "code"], None),
        ({"name": "H", "code": "H1", "type": "clinic"}, ["body", "type"], None),
        ({"name": "H", "code": "H1", "type": "hospital", "status": "closed"}, ["body", "status"], None),
        ({"code": "H1", "type": "hospital"}, ["body", "name"], None),
    ],
)
async def test_invalid_fields_are_422_naming_the_field(
    client: Client, payload: dict[str, Any], loc: list[str], code: str | None
) -> None:
    response = await client.post(BASE, json=payload)
    assert response.status_code == 422, response.text
    assert [e["loc"] for e in response.json()["errors"]] == [loc]
    if code is not None:
        assert response.json()["code"] == code
    assert (await client.get(BASE)).json()["total"] == 0


async def test_a_code_the_tenant_has_in_any_case_is_409(client: Client) -> None:
    await create(client, "Dept_OPD")
    taken = await client.post(BASE, json={"name": "Other", "code": "DEPT_opd", "type": "hospital"})
    assert (taken.status_code, taken.json()["code"]) == (409, "organizations.duplicate_code")


async def test_a_hospital_cannot_be_part_of_a_department(client: Client) -> None:
    tree = await a_tree(client)
    refused = await client.post(BASE, json={"name": "H", "code": "H2", "type": "hospital", "part_of": tree["opd"]})
    assert (refused.status_code, refused.json()["errors"][0]["loc"]) == (422, ["body", "part_of"])
    member = await create(client, "HOSP_MEMBER", part_of=tree["hosp"])  # a hospital of a group
    assert member["part_of"] == tree["hosp"]


async def test_another_tenants_id_in_the_body_or_query_is_403(client: Client) -> None:
    other = str(uuid4())
    assert (
        await client.post(BASE, json={"name": "H", "code": "H", "type": "hospital", "tenant_id": other})
    ).status_code == 403
    response = await client.get(BASE, params={"tenant_id": other})
    assert (response.status_code, response.json()["code"]) == (403, "prm.tenant_mismatch")


# --- lists ----------------------------------------------------------------------------------------


async def _codes(client: Client, url: str = BASE, **params: Any) -> list[str]:
    response = await client.get(url, params=params)
    assert response.status_code == 200, response.text
    return [item["code"] for item in response.json()["items"]]


async def test_list_orders_by_name_and_filters(client: Client) -> None:
    tree = await a_tree(client)
    assert await _codes(client) == ["HOSP001", "OPD_CARDIO", "JED01", "DEPT_LAB", "DEPT_OPD"]
    assert await _codes(client, type="department") == ["OPD_CARDIO", "DEPT_LAB", "DEPT_OPD"]
    assert await _codes(client, type="hospital", city="RIYADH") == ["HOSP001"]
    assert await _codes(client, part_of=tree["hosp"]) == ["DEPT_LAB", "DEPT_OPD"]
    assert await _codes(client, part_of=tree["hosp"], status="active") == ["DEPT_OPD"]
    assert await _codes(client, status="inactive") == ["DEPT_LAB"]
    assert await _codes(client, search="alham") == ["HOSP001"]
    assert await _codes(client, search="dept_") == ["DEPT_LAB", "DEPT_OPD"]
    assert await _codes(client, search="CLINIC") == ["OPD_CARDIO", "JED01"]
    assert await _codes(client, search="100%_") == []
    assert (await client.get(BASE, params={"type": "ward"})).status_code == 422


async def test_list_pages_with_the_reference_envelope(client: Client) -> None:
    await a_tree(client)
    first = (await client.get(BASE, params={"page_size": 3})).json()
    second = (await client.get(BASE, params={"page": 2, "page_size": 3})).json()
    assert {k: v for k, v in first.items() if k != "items"} == {
        "total": 5,
        "page": 1,
        "page_size": 3,
        "has_next": True,
        "has_previous": False,
    }
    assert (second["has_next"], second["has_previous"], len(second["items"])) == (False, True, 2)
    assert (await client.get(BASE, params={"page_size": 101})).status_code == 422


async def test_departments_lists_the_direct_children(client: Client) -> None:
    tree = await a_tree(client)
    assert await _codes(client, f"{BASE}/{tree['hosp']}/departments") == ["DEPT_LAB", "DEPT_OPD"]
    assert await _codes(client, f"{BASE}/{tree['opd']}/departments") == ["OPD_CARDIO"]
    assert await _codes(client, f"{BASE}/{tree['hosp']}/departments", status="inactive") == ["DEPT_LAB"]
    assert await _codes(client, f"{BASE}/{tree['jeddah']}/departments") == []
    assert (await client.get(f"{BASE}/{uuid4()}/departments")).status_code == 404


# --- update and delete ----------------------------------------------------------------------------


async def test_patch_changes_given_fields_and_refuses_a_stale_version(client: Client) -> None:
    created = await create(client, "HOSP001", phone="617-492-3500")
    url = f"{BASE}/{created['id']}"
    patched = await client.patch(
        url, json={"name": "AlHammadi", "email": "a@example.com", "status": "inactive"}, headers={"If-Match": 'W/"1"'}
    )
    assert patched.status_code == 200, patched.text
    assert patched.headers["etag"] == 'W/"2"'
    result = patched.json()
    assert (result["name"], result["email"], result["phone"], result["status"], result["version"]) == (
        "AlHammadi",
        "a@example.com",
        "+16174923500",
        "inactive",
        2,
    )
    stale = await client.patch(url, json={"name": "X"}, headers={"If-Match": 'W/"1"'})
    assert (stale.status_code, stale.json()["code"]) == (409, "prm.stale_version")
    assert (await client.patch(url, json={"name": "X", "version": 1})).status_code == 409
    cleared = await client.patch(url, json={"phone": None, "version": 2})
    assert (cleared.json()["phone"], cleared.json()["version"]) == (None, 3)


async def test_patch_refuses_cycles_taken_codes_and_bad_moves(client: Client) -> None:
    tree = await a_tree(client)

    async def patch(name: str, **body: Any) -> Any:
        return await client.patch(f"{BASE}/{tree[name]}", json=body)

    for target in (tree["opd"], tree["cardio"]):  # itself, then its own department
        cycle = await patch("opd", part_of=target)
        assert (cycle.status_code, cycle.json()["errors"][0]["loc"]) == (422, ["body", "part_of"])
    orphan = await patch("lab", part_of=None)
    assert (orphan.status_code, orphan.json()["errors"][0]["loc"]) == (422, ["body", "part_of"])
    hospital_in_department = await patch("jeddah", part_of=tree["opd"])
    assert hospital_in_department.status_code == 422
    taken = await patch("jeddah", code="hosp001")
    assert (taken.status_code, taken.json()["code"]) == (409, "organizations.duplicate_code")
    assert (await client.get(f"{BASE}/{tree['opd']}")).json()["version"] == 1

    moved = await patch("cardio", part_of=tree["hosp"])
    assert (moved.status_code, moved.json()["part_of"]) == (200, tree["hosp"])
    absorbed = await patch("jeddah", type="department", part_of=tree["hosp"])
    assert (absorbed.json()["type"], absorbed.json()["part_of"]) == ("department", tree["hosp"])
    assert (await client.patch(f"{BASE}/{uuid4()}", json={"name": "X"})).status_code == 404
    assert (await patch("hosp", id=str(uuid4()))).status_code == 422


async def test_delete_is_refused_while_departments_remain_then_204(client: Client) -> None:
    tree = await a_tree(client)
    refused = await client.delete(f"{BASE}/{tree['opd']}")
    assert (refused.status_code, refused.json()["code"]) == (409, "organizations.has_children")
    assert (await client.delete(f"{BASE}/{tree['cardio']}", headers={"If-Match": 'W/"7"'})).status_code == 409
    for name in ("cardio", "opd"):
        deleted = await client.delete(f"{BASE}/{tree[name]}")
        assert (deleted.status_code, deleted.content) == (204, b"")
    assert (await client.get(f"{BASE}/{tree['opd']}")).status_code == 404
    assert (await client.delete(f"{BASE}/{tree['opd']}")).status_code == 404
    await create(client, "DEPT_OPD", "department", part_of=tree["hosp"])  # the code is free again


# --- events, audit, the SQL adapters --------------------------------------------------------------


async def test_changes_are_published_and_reads_and_writes_audited(
    client: Client, settings: Settings, tenant_id: UUID
) -> None:
    created = await create(client, "HOSP001")
    url = f"{BASE}/{created['id']}"
    await client.get(url)
    await client.get(BASE)
    await client.patch(url, json={"name": "Renamed"})
    await client.delete(url)
    async with Prm.open(settings) as prm:
        database = await prm.get(SqlDatabase)  # type: ignore[type-abstract]
        async with database.connect(TenantId(tenant_id)) as connection:
            events = (
                await connection.execute(
                    sa.select(outbox.c.event_type, outbox.c.aggregate_id)
                    .where(outbox.c.tenant_id == tenant_id)
                    .order_by(outbox.c.id)
                )
            ).all()
            audited = (
                await connection.execute(
                    sa.select(audit_events.c.action).where(
                        audit_events.c.tenant_id == tenant_id, audit_events.c.entity_type == "organization"
                    )
                )
            ).all()
    assert [(t, str(a)) for t, a in events] == [
        ("organization.created", created["id"]),
        ("organization.updated", created["id"]),
        ("organization.deleted", created["id"]),
    ]
    assert sorted(a for (a,) in audited) == ["create", "delete", "read", "search", "update"]


async def test_the_database_keys_and_versions_hold_against_the_repository(settings: Settings, tenant_id: UUID) -> None:
    async with Prm.open(settings) as prm:
        first = await prm.run(
            CreateOrganization, OrganizationInput(name="A", code="Hosp", type=OrganizationType.HOSPITAL)
        )
        duplicate = Organization.create(
            tenant_id=TenantId(tenant_id),
            details=OrganizationDetails(name="B", code="HOSP", type=OrganizationType.HOSPITAL),
            parent=None,
            now=first.created_at,
        )
        async with prm.unit() as unit:
            repository = await unit.get(OrganizationRepository)
            with pytest.raises(DuplicateOrganizationCode):
                await repository.add(duplicate)  # the unique key on the folded code, past the use case
        child = await prm.run(
            CreateOrganization,
            OrganizationInput(name="C", code="C", type=OrganizationType.DEPARTMENT, part_of=first.id),
        )
        grandchild = await prm.run(
            CreateOrganization,
            OrganizationInput(name="D", code="D", type=OrganizationType.DEPARTMENT, part_of=child.id),
        )
        async with prm.unit() as unit:
            repository = await unit.get(OrganizationRepository)
            assert (await repository.get_by_code("hOSP")) is not None
            parent = await repository.parent(grandchild.id)
            assert parent is not None
            assert (parent.id, parent.type, parent.ancestors) == (
                grandchild.id,
                OrganizationType.DEPARTMENT,
                (child.id, first.id),
            )
            assert await repository.child_types(first.id) == {OrganizationType.DEPARTMENT}
            assert await repository.child_types(grandchild.id) == frozenset()
            stored = await repository.get(first.id)
            assert stored is not None
            stored.revise(first.created_at, {"name": "A2"})
            with pytest.raises(StaleVersion):
                await repository.save(stored, expected_version=2)
            await repository.save(stored, expected_version=1)
            with pytest.raises(StaleVersion):
                await repository.remove(
                    Organization(
                        id=stored.id,
                        tenant_id=stored.tenant_id,
                        details=stored.details,
                        version=1,
                        created_at=stored.created_at,
                        updated_at=stored.updated_at,
                    )
                )


async def test_another_tenants_organizations_are_invisible(client: Client, settings: Settings) -> None:
    async with Prm.open(settings, tenant_id=uuid4()) as other_tenant:
        theirs = await other_tenant.run(
            CreateOrganization, OrganizationInput(name="Theirs", code="SHARED", type=OrganizationType.HOSPITAL)
        )
    mine = await create(client, "SHARED")  # codes are per tenant
    assert (await client.get(f"{BASE}/{theirs.id}")).status_code == 404
    assert (await client.patch(f"{BASE}/{theirs.id}", json={"name": "X"})).status_code == 404
    assert (await client.delete(f"{BASE}/{theirs.id}")).status_code == 404
    assert (await client.get(f"{BASE}/{theirs.id}/departments")).status_code == 404
    assert [i["id"] for i in (await client.get(BASE)).json()["items"]] == [mine["id"]]
    under_theirs = await client.post(
        BASE, json={"name": "OPD", "code": "OPD", "type": "department", "part_of": str(theirs.id)}
    )
    assert (under_theirs.status_code, under_theirs.json()["errors"][0]["loc"]) == (422, ["body", "part_of"])
    moved = await client.patch(f"{BASE}/{mine['id']}", json={"part_of": str(theirs.id)})
    assert moved.status_code == 422
