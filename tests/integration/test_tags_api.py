"""Tenant tags (``/tags``) and attaching them to patients, appointments, tickets and journeys,
on SQLite and PostgreSQL: uniqueness, permissions per kind, listing both ways, tenant isolation."""

from typing import Any, TypeAlias
from uuid import uuid4

from litestar import Litestar
from litestar.testing import AsyncTestClient

API = "/api/v1/prm"
Client: TypeAlias = AsyncTestClient[Litestar]


async def created(client: Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"{API}{path}", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_tag_crud_and_unique_names(client: Client) -> None:
    tag = await created(client, "/tags", {"name": "  Diabetic   type 2 ", "colour": "#1e90ff", "description": "DM2"})
    assert (tag["name"], tag["colour"], tag["description"]) == ("Diabetic type 2", "#1E90FF", "DM2")
    assert (await created(client, "/tags", {"name": "VIP"}))["colour"] == "#6B7280"
    duplicate = await client.post(f"{API}/tags", json={"name": "diabétic TYPE 2"})
    assert duplicate.status_code == 409, duplicate.text
    assert (await client.post(f"{API}/tags", json={"name": "Bad", "colour": "blue"})).status_code in {400, 422}
    assert (await client.post(f"{API}/tags", json={"name": "   "})).status_code == 422

    listed = await client.get(f"{API}/tags")
    assert [t["name"] for t in listed.json()["items"]] == ["Diabetic type 2", "VIP"]
    searched = await client.get(f"{API}/tags", params={"search": "DIAB"})
    assert [t["id"] for t in searched.json()["items"]] == [tag["id"]]

    renamed = await client.patch(
        f"{API}/tags/{tag['id']}", json={"name": "Diabetes", "description": None}, headers={"If-Match": 'W/"1"'}
    )
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["name"], renamed.json()["description"], renamed.json()["version"]) == ("Diabetes", None, 2)
    assert (await client.patch(f"{API}/tags/{tag['id']}", json={"name": "vip"})).status_code == 409
    assert (await client.patch(f"{API}/tags/{tag['id']}", json={"colour": "#000000", "version": 1})).status_code == 409
    assert (await client.get(f"{API}/tags/{tag['id']}")).json()["name"] == "Diabetes"
    assert (await client.delete(f"{API}/tags/{tag['id']}")).status_code == 204
    assert (await client.get(f"{API}/tags/{tag['id']}")).status_code == 404


async def test_attach_to_every_kind_and_list_both_ways(client: Client) -> None:
    patient = await created(client, "/patients", {"name": {"family": "Tagged"}})
    ticket = await created(client, "/tickets", {"patient_id": patient["id"], "title": "Call back"})
    journey = await created(
        client, "/journeys", {"name": "OPD", "journey_type": "opd", "stages": [{"name": "Visit", "order_index": 1}]}
    )
    instance = await created(client, "/journeys/instances", {"journey_id": journey["id"], "patient_id": patient["id"]})
    vip = await created(client, "/tags", {"name": "VIP"})
    frail = await created(client, "/tags", {"name": "Frail"})

    for kind, entity_id in (("patients", patient["id"]), ("tickets", ticket["id"]), ("journeys", instance["id"])):
        attached = await client.put(f"{API}/tags/{vip['id']}/{kind}/{entity_id}")
        assert attached.status_code == 200, attached.text
        assert attached.json()["tag"]["id"] == vip["id"]
        again = await client.put(f"{API}/tags/{vip['id']}/{kind}/{entity_id}")
        assert again.status_code == 200
    assert (await client.put(f"{API}/tags/{frail['id']}/patients/{patient['id']}")).status_code == 200

    of_patient = await client.get(f"{API}/tags/of/patients/{patient['id']}")
    assert of_patient.status_code == 200, of_patient.text
    assert [t["name"] for t in of_patient.json()["items"]] == ["Frail", "VIP"]
    tagged = await client.get(f"{API}/tags/{vip['id']}/patients")
    assert tagged.status_code == 200, tagged.text
    assert tagged.json()["items"] == [patient["id"]]
    assert (await client.get(f"{API}/tags/{vip['id']}/tickets")).json()["items"] == [ticket["id"]]

    unknown = await client.put(f"{API}/tags/{vip['id']}/appointments/{uuid4()}")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "tags.entity_not_found"
    assert (await client.put(f"{API}/tags/{vip['id']}/planets/{uuid4()}")).status_code == 422
    assert (await client.put(f"{API}/tags/{uuid4()}/patients/{patient['id']}")).status_code == 404

    assert (await client.delete(f"{API}/tags/{vip['id']}/patients/{patient['id']}")).status_code == 204
    assert (await client.delete(f"{API}/tags/{vip['id']}/patients/{patient['id']}")).status_code == 204
    assert [t["name"] for t in (await client.get(f"{API}/tags/of/patients/{patient['id']}")).json()["items"]] == [
        "Frail"
    ]
    # deleting a tag detaches it everywhere
    assert (await client.delete(f"{API}/tags/{frail['id']}")).status_code == 204
    assert (await client.get(f"{API}/tags/of/patients/{patient['id']}")).json()["items"] == []

    events = await client.get(f"{API}/audit/events", params={"entity_id": patient["id"], "action": "update"})
    assert events.json()["total"] >= 2  # attach and detach are changes of the patient


async def test_attaching_needs_write_on_the_entity(client: Client, client_as: Any) -> None:
    patient = await created(client, "/patients", {"name": {"family": "Guarded"}})
    tag = await created(client, "/tags", {"name": "Watch"})
    practitioner = await client_as("practitioner")  # tags:read, patients:read, no patients:write
    refused = await practitioner.put(f"{API}/tags/{tag['id']}/patients/{patient['id']}")
    assert refused.status_code == 403, refused.text
    assert (await practitioner.post(f"{API}/tags", json={"name": "Nope"})).status_code == 403
    assert (await practitioner.get(f"{API}/tags/of/patients/{patient['id']}")).status_code == 200
    front_desk = await client_as("front_desk")
    assert (await front_desk.put(f"{API}/tags/{tag['id']}/patients/{patient['id']}")).status_code == 200


async def test_another_tenant_sees_no_tag_and_cannot_tag_ours(client: Client, other_tenant_client: Client) -> None:
    patient = await created(client, "/patients", {"name": {"family": "Ours"}})
    tag = await created(client, "/tags", {"name": "Ours"})
    assert (await client.put(f"{API}/tags/{tag['id']}/patients/{patient['id']}")).status_code == 200
    assert (await other_tenant_client.get(f"{API}/tags/{tag['id']}")).status_code == 404
    assert (await other_tenant_client.get(f"{API}/tags")).json()["items"] == []
    assert (await other_tenant_client.get(f"{API}/tags/of/patients/{patient['id']}")).status_code == 404
    theirs = await created(other_tenant_client, "/tags", {"name": "Ours"})  # names are per tenant
    attach = await other_tenant_client.put(f"{API}/tags/{theirs['id']}/patients/{patient['id']}")
    assert attach.status_code == 404
    assert (await client.get(f"{API}/tags/of/patients/{patient['id']}")).json()["items"][0]["id"] == tag["id"]
