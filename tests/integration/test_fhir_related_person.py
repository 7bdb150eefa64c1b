"""FHIR R4 RelatedPerson (caregivers) read and search on SQLite and PostgreSQL, validated with the
R4B models: the relationship, name, telecom and period mappings, the filters, paging, tenancy,
audit and bad parameters."""

from typing import Any, TypeAlias
from uuid import uuid4

from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.relatedperson import RelatedPerson
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.fhir_support import searchset

API = "/api/v1/prm"
FHIR = f"{API}/fhir"
Client: TypeAlias = AsyncTestClient[Litestar]


async def _patient(client: Client) -> str:
    response = await client.post(f"{API}/patients", json={"name": {"given": ["Leo"], "family": "Pérez"}})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _caregiver(client: Client, patient: str, given: str, family: str, relationship: str, **more: Any) -> str:
    body = {"name": {"given": [given], "family": family}, "relationship": relationship, **more}
    response = await client.post(f"{API}/patients/{patient}/caregivers", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _bundle(client: Client, params: dict[str, str]) -> dict[str, Any]:
    return await searchset(client, "RelatedPerson", RelatedPerson, params)


async def _search(client: Client, params: dict[str, str]) -> list[str]:
    bundle = await _bundle(client, params)
    ids = [e["resource"]["id"] for e in bundle.get("entry", [])]
    assert bundle["total"] == len(ids), params
    return ids


async def test_read_maps_relationship_name_telecom_and_period(client: Client, other_tenant_client: Client) -> None:
    patient = await _patient(client)
    mother = await _caregiver(
        client,
        patient,
        "Ana",
        "Pérez",
        "mth",
        telecom=[
            {"system": "phone", "value": "(617) 492-3500", "use": "mobile"},
            {"system": "email", "value": "Ana.Perez@Example.COM", "rank": 2},
        ],
        preferred_channel="sms",
        receives_communications=True,
        period_start="2026-01-01",
    )
    response = await client.get(f"{FHIR}/RelatedPerson/{mother}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    resource = response.json()
    RelatedPerson.model_validate(resource)
    assert resource["patient"] == {"reference": f"Patient/{patient}"}
    assert resource["relationship"] == [
        {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "MTH", "display": "mother"}
            ],
            "text": "mother",
        }
    ]
    assert resource["name"] == [{"text": "Ana Pérez", "family": "Pérez", "given": ["Ana"]}]
    assert resource["telecom"] == [
        {"system": "phone", "value": "+16174923500", "use": "mobile"},
        {"system": "email", "value": "Ana.Perez@example.com", "rank": 2},
    ]
    assert resource["period"] == {"start": "2026-01-01"}
    assert resource["active"] is True
    assert resource["meta"]["versionId"] == "1"
    assert not {"communication", "preferred_channel"} & set(resource)

    changed = await client.patch(
        f"{API}/patients/{patient}/caregivers/{mother}",
        json={"relationship": "GUARD", "period_end": "2026-01-02"},
        headers={"If-Match": 'W/"1"'},
    )
    assert changed.status_code == 200, changed.text
    ended = (await client.get(f"{FHIR}/RelatedPerson/{mother}")).json()
    RelatedPerson.model_validate(ended)
    assert ended["relationship"][0]["coding"][0]["code"] == "GUARD"
    assert ended["period"] == {"start": "2026-01-01", "end": "2026-01-02"}
    assert (ended["active"], ended["meta"]["versionId"]) == (False, "2")

    missing = await other_tenant_client.get(f"{FHIR}/RelatedPerson/{mother}")
    assert missing.status_code == 404
    OperationOutcome.model_validate(missing.json())
    assert (await client.get(f"{FHIR}/RelatedPerson/{uuid4()}")).status_code == 404
    assert await _search(other_tenant_client, {"patient": patient}) == []
    reads = await client.get(f"{API}/audit/events", params={"entity_id": mother, "action": "read"})
    assert reads.json()["total"] == 2
    assert await _search(client, {"patient": patient}) == [mother]
    searches = await client.get(f"{API}/audit/events", params={"entity_id": mother, "action": "search"})
    assert searches.json()["total"] == 1


async def test_search_filters_by_patient_and_name(client: Client) -> None:
    leo, mia = await _patient(client), await _patient(client)
    ana = await _caregiver(client, leo, "Ana", "Pérez", "MTH")
    jose = await _caregiver(client, leo, "José", "García López", "FTH")
    eva = await _caregiver(client, leo, "Eva", "Anand", "FRND")
    sam = await _caregiver(client, mia, "Sam", "Pérez", "SPS")
    cases: list[tuple[dict[str, str], list[str]]] = [
        ({"patient": leo}, [ana, jose, eva]),
        ({"patient": f"Patient/{mia}"}, [sam]),
        ({"patient": str(uuid4())}, []),
        ({"patient": leo, "name": "ana"}, [ana, eva]),
        ({"patient": leo, "name": "PER"}, [ana]),
        ({"patient": leo, "name": "jose garc"}, [jose]),
        ({"patient": leo, "name": "lopez"}, [jose]),
        ({"patient": leo, "name": "ana perez"}, [ana]),
        ({"patient": leo, "name": "sam"}, []),
    ]
    for params, expected in cases:
        assert await _search(client, params) == expected, params


async def test_paging_links(client: Client) -> None:
    patient = await _patient(client)
    added = [await _caregiver(client, patient, f"Kin{i}", "Pérez", "FAMMEMB") for i in range(5)]
    first = await _bundle(client, {"patient": patient, "_count": "2"})
    assert [e["resource"]["id"] for e in first["entry"]] == added[:2]
    assert first["total"] == 5
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert "_offset=0" in links["self"]
    assert "_offset=2" in links["next"]
    assert "previous" not in links
    assert f"patient={patient}" in links["next"]
    middle = await _bundle(client, {"patient": patient, "_count": "2", "_offset": "2"})
    assert [e["resource"]["id"] for e in middle["entry"]] == added[2:4]
    assert {link["relation"] for link in middle["link"]} == {"self", "next", "previous"}
    last = await _bundle(client, {"patient": patient, "_count": "2", "_offset": "4"})
    assert [e["resource"]["id"] for e in last["entry"]] == added[4:]
    assert {link["relation"] for link in last["link"]} == {"self", "previous"}


async def test_bad_parameters_are_422_outcomes(client: Client, api_key_client: Any) -> None:
    patient = await _patient(client)
    for params, name in (
        ({}, "patient"),
        ({"name": "ana"}, "patient"),
        ({"patient": f"Practitioner/{uuid4()}"}, "patient"),
        ({"patient": "not-an-id"}, "patient"),
        ({"patient": patient, "name": "x" * 201}, "name"),
        ({"patient": patient, "_count": "0"}, "_count"),
        ({"patient": patient, "_count": "10", "_offset": "5"}, "_offset"),
    ):
        response = await client.get(f"{FHIR}/RelatedPerson", params=params)
        assert response.status_code == 422, (params, response.text)
        document = response.json()
        OperationOutcome.model_validate(document)
        assert name in document["issue"][0]["diagnostics"], params
    forbidden = await (await api_key_client("journeys:read")).get(f"{FHIR}/RelatedPerson", params={"patient": patient})
    assert forbidden.status_code == 403
    OperationOutcome.model_validate(forbidden.json())
    allowed = await (await api_key_client("patients:read")).get(f"{FHIR}/RelatedPerson", params={"patient": patient})
    assert allowed.status_code == 200
