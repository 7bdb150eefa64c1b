"""FHIR R4 Practitioner read and search on SQLite and PostgreSQL, validated with the R4B models."""

from typing import Any, TypeAlias
from uuid import uuid4

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.practitioner import Practitioner
from litestar import Litestar
from litestar.testing import AsyncTestClient

API = "/api/v1/prm"
FHIR = f"{API}/fhir"
Client: TypeAlias = AsyncTestClient[Litestar]


async def _practitioner(client: Client, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "first_name": "José",
        "middle_name": "María",
        "last_name": "Ávila",
        "prefix": "Dr.",
        "gender": "male",
        "qualification": "MD, FACC",
        "speciality": "Cardiology",
        "license_number": f"LIC-{uuid4().hex[:8]}",
        "registration_number": "REG-1",
        "phone_primary": "+16174923500",
        "email_primary": "jose@example.org",
        "address": {"line": ["1 Main St"], "city": "Boston", "country": "US"},
        "external_id": f"EXT-{uuid4().hex[:8]}",
    }
    body.update(overrides)
    created = await client.post(f"{API}/practitioners", json=body)
    assert created.status_code == 201, created.text
    result: dict[str, Any] = created.json()
    return result


async def test_read_maps_the_practitioner(client: Client, other_tenant_client: Client) -> None:
    created = await _practitioner(client)
    response = await client.get(f"{FHIR}/Practitioner/{created['id']}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    resource = response.json()
    Practitioner.model_validate(resource)
    assert resource["name"][0] == {
        "use": "official",
        "text": "Dr. José María Ávila",
        "family": "Ávila",
        "given": ["José", "María"],
        "prefix": ["Dr."],
    }
    license_id = resource["identifier"][0]
    assert license_id["value"] == created["license_number"]
    assert license_id["type"]["coding"][0]["code"] == "MD"
    assert resource["active"] is True
    assert resource["gender"] == "male"
    assert {"system": "email", "value": "jose@example.org", "use": "work"} in resource["telecom"]
    assert resource["qualification"] == [{"code": {"text": "MD, FACC"}}]
    assert resource["address"][0]["city"] == "Boston"
    missing = await other_tenant_client.get(f"{FHIR}/Practitioner/{created['id']}")
    assert missing.status_code == 404
    OperationOutcome.model_validate(missing.json())


async def test_search_by_name_and_active_with_paging(client: Client) -> None:
    last = f"Zed{uuid4().hex[:6]}"
    ids = [(await _practitioner(client, first_name=f"Ann{i}", last_name=last))["id"] for i in range(3)]
    inactive = await _practitioner(client, first_name="Old", last_name=last, is_active=False)
    response = await client.get(f"{FHIR}/Practitioner", params={"family": last, "active": "true", "_count": "2"})
    assert response.status_code == 200, response.text
    bundle = response.json()
    Bundle.model_validate(bundle)
    assert bundle["total"] == 3
    links = {link["relation"]: link["url"] for link in bundle["link"]}
    second = (await client.get(links["next"])).json()
    Bundle.model_validate(second)
    assert {e["resource"]["id"] for e in bundle["entry"] + second["entry"]} == set(ids)
    found = (await client.get(f"{FHIR}/Practitioner", params={"name": last, "active": "false"})).json()
    assert [e["resource"]["id"] for e in found["entry"]] == [inactive["id"]]
    bad = await client.get(f"{FHIR}/Practitioner", params={"active": "maybe"})
    assert bad.status_code == 422
    OperationOutcome.model_validate(bad.json())


async def test_search_by_identifier(client: Client) -> None:
    created = await _practitioner(client)
    await _practitioner(client)
    cases: list[tuple[dict[str, str], list[str]]] = [
        ({"identifier": created["license_number"]}, [created["id"]]),
        ({"identifier": f"urn:prm:license|{created['license_number']}"}, [created["id"]]),
        ({"identifier": f"urn:prm:external-id|{created['external_id']}"}, [created["id"]]),
        ({"identifier": created["external_id"], "name": "jos"}, [created["id"]]),
        ({"identifier": created["external_id"], "name": "nobody"}, []),
        ({"identifier": created["license_number"], "active": "false"}, []),
        ({"identifier": f"urn:other|{created['license_number']}"}, []),
    ]
    for params, expected in cases:
        response = await client.get(f"{FHIR}/Practitioner", params=params)
        assert response.status_code == 200, response.text
        bundle = response.json()
        Bundle.model_validate(bundle)
        assert [e["resource"]["id"] for e in bundle.get("entry", [])] == expected, params
        assert bundle["total"] == len(expected), params
