"""Caregivers (FHIR RelatedPerson) of a patient: ``/patients/{id}/caregivers`` CRUD, on SQLite
and PostgreSQL, tenant-scoped and audited."""

from typing import Any, TypeAlias
from uuid import uuid4

from litestar import Litestar
from litestar.testing import AsyncTestClient

API = "/api/v1/prm"
Client: TypeAlias = AsyncTestClient[Litestar]

MOTHER: dict[str, Any] = {
    "name": {"given": ["Ana"], "family": "Pérez"},
    "relationship": "mth",
    "telecom": [
        {"system": "phone", "value": "(617) 492-3500", "use": "mobile"},
        {"system": "email", "value": "Ana.Perez@Example.COM"},
    ],
    "preferred_channel": "sms",
    "receives_communications": True,
    "period_start": "2026-01-01",
}


async def a_patient(client: Client) -> dict[str, Any]:
    created = await client.post(
        f"{API}/patients", json={"name": {"given": ["Leo"], "family": "Pérez"}, "birth_date": "2019-05-06"}
    )
    assert created.status_code == 201, created.text
    patient: dict[str, Any] = created.json()
    return patient


async def test_add_list_get_update_and_remove_a_caregiver(client: Client) -> None:
    patient = await a_patient(client)
    base = f"{API}/patients/{patient['id']}/caregivers"
    created = await client.post(base, json=MOTHER)
    assert created.status_code == 201, created.text
    caregiver = created.json()
    assert caregiver["relationship"] == "MTH"
    assert caregiver["relationship_display"] == "mother"
    assert caregiver["relationship_system"] == "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
    assert caregiver["full_name"] == "Ana Pérez"
    assert [c["value"] for c in caregiver["telecom"]] == ["+16174923500", "Ana.Perez@example.com"]
    assert caregiver["receives_communications"] is True
    assert caregiver["active"] is True
    assert created.headers["etag"] == 'W/"1"'

    listed = await client.get(base)
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()["items"]] == [caregiver["id"]]
    assert listed.json()["total"] == 1

    one = await client.get(f"{base}/{caregiver['id']}")
    assert one.status_code == 200
    assert one.json()["name"]["given"] == ["Ana"]

    changed = await client.patch(
        f"{base}/{caregiver['id']}",
        json={"relationship": "GUARD", "preferred_channel": None, "period_end": "2026-01-02"},
        headers={"If-Match": 'W/"1"'},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["relationship_display"] == "guardian"
    assert changed.json()["preferred_channel"] is None
    assert changed.json()["active"] is False
    assert changed.json()["version"] == 2

    stale = await client.patch(f"{base}/{caregiver['id']}", json={"relationship": "FTH"}, headers={"If-Match": 'W/"1"'})
    assert stale.status_code == 409

    removed = await client.delete(f"{base}/{caregiver['id']}")
    assert removed.status_code == 204
    assert (await client.get(f"{base}/{caregiver['id']}")).status_code == 404
    assert (await client.get(base)).json()["items"] == []


async def test_rules_are_422_naming_the_field(client: Client) -> None:
    patient = await a_patient(client)
    base = f"{API}/patients/{patient['id']}/caregivers"

    async def field_of(body: dict[str, Any]) -> str:
        response = await client.post(base, json=body)
        assert response.status_code == 422, response.text
        return ".".join(str(part) for part in response.json()["errors"][0]["loc"][1:])

    assert await field_of({**MOTHER, "relationship": "BOSS"}) == "relationship"
    assert await field_of({**MOTHER, "telecom": [{"system": "phone", "value": "12"}]}) == "telecom.0.value"
    assert (
        await field_of(
            {**MOTHER, "telecom": [{"system": "email", "value": "a@example.com"}], "preferred_channel": "sms"}
        )
        == "preferred_channel"
    )
    assert await field_of({**MOTHER, "telecom": [], "preferred_channel": None}) == "receives_communications"
    assert await field_of({**MOTHER, "period_end": "2025-12-31"}) == "period_end"


async def test_unknown_patient_and_audit(client: Client) -> None:
    assert (await client.get(f"{API}/patients/{uuid4()}/caregivers")).status_code == 404
    assert (await client.post(f"{API}/patients/{uuid4()}/caregivers", json=MOTHER)).status_code == 404
    patient = await a_patient(client)
    base = f"{API}/patients/{patient['id']}/caregivers"
    caregiver = (await client.post(base, json=MOTHER)).json()
    await client.get(base)
    events = await client.get(f"{API}/audit/events", params={"entity_id": caregiver["id"]})
    assert events.status_code == 200, events.text
    assert {e["action"] for e in events.json()["items"]} == {"create", "search"}


async def test_another_tenant_sees_no_caregiver(client: Client, other_tenant_client: Client) -> None:
    patient = await a_patient(client)
    base = f"{API}/patients/{patient['id']}/caregivers"
    caregiver = (await client.post(base, json=MOTHER)).json()
    assert (await other_tenant_client.get(base)).status_code == 404
    assert (await other_tenant_client.get(f"{base}/{caregiver['id']}")).status_code == 404
    assert (
        await other_tenant_client.patch(f"{base}/{caregiver['id']}", json={"relationship": "FTH"})
    ).status_code == 404
    assert (await other_tenant_client.delete(f"{base}/{caregiver['id']}")).status_code == 404
    # a caregiver is only found under its own patient
    other = await a_patient(client)
    assert (await client.get(f"{API}/patients/{other['id']}/caregivers/{caregiver['id']}")).status_code == 404


async def test_permissions(client: Client, client_as: Any) -> None:
    patient = await a_patient(client)
    base = f"{API}/patients/{patient['id']}/caregivers"
    practitioner = await client_as("practitioner")
    assert (await practitioner.get(base)).status_code == 200
    assert (await practitioner.post(base, json=MOTHER)).status_code == 403
