"""FHIR R4 EpisodeOfCare (journey instances) read and search on SQLite and PostgreSQL, validated
with the R4B models: the status and type mappings, the filters, paging, tenancy, audit and bad
parameters."""

from typing import Any, TypeAlias
from uuid import uuid4

from fhir.resources.R4B.episodeofcare import EpisodeOfCare
from fhir.resources.R4B.operationoutcome import OperationOutcome
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.fhir_support import searchset

API = "/api/v1/prm"
FHIR = f"{API}/fhir"
INSTANCES = f"{API}/journeys/instances"
Client: TypeAlias = AsyncTestClient[Litestar]


async def _created(client: Client, path: str, body: dict[str, Any]) -> str:
    response = await client.post(f"{API}{path}", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _patient(client: Client) -> str:
    return await _created(client, "/patients", {"name": {"family": "Episodic"}, "gender": "female"})


async def _journey(client: Client, journey_type: str = "opd", name: str = "OPD visit") -> str:
    stages = [
        {"name": "Consultation", "order_index": 1, "trigger_event": "manual"},
        {"name": "Pharmacy", "order_index": 2, "trigger_event": "manual"},
    ]
    return await _created(client, "/journeys", {"name": name, "journey_type": journey_type, "stages": stages})


async def _start(client: Client, journey: str, patient: str, **more: Any) -> str:
    return await _created(client, "/journeys/instances", {"journey_id": journey, "patient_id": patient, **more})


async def _post(client: Client, path: str, body: dict[str, Any] | None = None) -> None:
    response = await client.post(f"{INSTANCES}/{path}", json=body if body is not None else {})
    assert response.status_code == 200, response.text


async def _bundle(client: Client, params: dict[str, str]) -> dict[str, Any]:
    return await searchset(client, "EpisodeOfCare", EpisodeOfCare, params)


async def _search(client: Client, params: dict[str, str]) -> list[str]:
    bundle = await _bundle(client, params)
    ids = [e["resource"]["id"] for e in bundle.get("entry", [])]
    assert bundle["total"] == len(ids), params
    return ids


async def test_read_maps_status_type_period_and_references(client: Client, other_tenant_client: Client) -> None:
    patient = await _patient(client)
    organization = await _created(client, "/organizations", {"name": "North", "code": "NORTH", "type": "hospital"})
    journey = await _journey(client, "inpatient", "Admission")
    instance = await _start(client, journey, patient, encounter_id="ENC-42", organization_id=organization)
    response = await client.get(f"{FHIR}/EpisodeOfCare/{instance}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    resource = response.json()
    EpisodeOfCare.model_validate(resource)
    assert resource["status"] == "active"
    assert resource["patient"] == {"reference": f"Patient/{patient}"}
    assert resource["managingOrganization"] == {"reference": f"Organization/{organization}"}
    assert resource["identifier"] == [{"system": "urn:prm:encounter", "value": "ENC-42"}]
    assert [t["coding"][0] for t in resource["type"]] == [
        {"system": "urn:prm:journey-type", "code": "inpatient"},
        {"system": "urn:prm:journey", "code": journey, "display": "Admission"},
    ]
    assert "end" not in resource["period"]
    assert resource["meta"]["versionId"] == "1"
    assert "statusHistory" not in resource

    await _post(client, f"{instance}/advance")
    await _post(client, f"{instance}/advance")
    done = (await client.get(f"{FHIR}/EpisodeOfCare/{instance}")).json()
    EpisodeOfCare.model_validate(done)
    assert done["status"] == "finished"
    assert done["period"]["end"] >= done["period"]["start"]
    assert int(done["meta"]["versionId"]) > 1

    other = await _start(client, journey, patient)
    await _post(client, f"{other}/cancel")
    cancelled = (await client.get(f"{FHIR}/EpisodeOfCare/{other}")).json()
    EpisodeOfCare.model_validate(cancelled)
    assert cancelled["status"] == "cancelled"
    assert "end" in cancelled["period"]
    assert "identifier" not in cancelled
    assert "managingOrganization" not in cancelled

    missing = await other_tenant_client.get(f"{FHIR}/EpisodeOfCare/{instance}")
    assert missing.status_code == 404
    OperationOutcome.model_validate(missing.json())
    assert (await client.get(f"{FHIR}/EpisodeOfCare/{uuid4()}")).status_code == 404
    assert await _search(other_tenant_client, {"patient": patient}) == []
    assert await _search(other_tenant_client, {}) == []
    reads = await client.get(f"{API}/audit/events", params={"entity_id": instance, "action": "read"})
    assert reads.json()["total"] == 2
    assert await _search(client, {"patient": patient}) == [other, instance]
    searches = await client.get(f"{API}/audit/events", params={"entity_id": instance, "action": "search"})
    assert searches.json()["total"] == 1


async def test_search_filters(client: Client) -> None:
    ada, bob = await _patient(client), await _patient(client)
    organization = await _created(client, "/organizations", {"name": "South", "code": "SOUTH", "type": "hospital"})
    opd, ipd, ems_a, ems_b = (
        await _journey(client, "opd"),
        await _journey(client, "inpatient", "Admission"),
        await _journey(client, "ems", "Ambulance A"),
        await _journey(client, "ems", "Ambulance B"),
    )
    e1 = await _start(client, opd, ada)
    e2 = await _start(client, ipd, ada, organization_id=organization)
    e3 = await _start(client, opd, bob)
    e4 = await _start(client, ems_a, bob)
    assert ems_b  # a second journey of type ems, never started
    await _post(client, f"{e2}/cancel")
    for _ in range(2):
        await _post(client, f"{e3}/advance")
    cases: list[tuple[dict[str, str], list[str]]] = [
        ({}, [e4, e3, e2, e1]),
        ({"patient": f"Patient/{ada}"}, [e2, e1]),
        ({"patient": bob}, [e4, e3]),
        ({"status": "active"}, [e4, e1]),
        ({"status": "finished"}, [e3]),
        ({"status": "http://hl7.org/fhir/episode-of-care-status|cancelled", "patient": ada}, [e2]),
        ({"status": "active,finished,cancelled"}, [e4, e3, e2, e1]),
        ({"status": "finished,planned"}, [e3]),
        ({"status": "planned,onhold"}, []),
        ({"type": "opd"}, [e3, e1]),
        ({"type": "urn:prm:journey-type|inpatient"}, [e2]),
        ({"type": "chronic_care"}, []),
        ({"type": f"urn:prm:journey|{ems_a}"}, [e4]),
        ({"type": ems_b}, []),
        ({"type": "opd", "status": "active"}, [e1]),
        ({"type": "ems"}, [e4]),  # either of the two ambulance journeys
        ({"status": "active,finished"}, [e4, e3, e1]),
        ({"status": "finished,cancelled", "patient": ada}, [e2]),
        ({"organization": f"Organization/{organization}"}, [e2]),
        ({"organization": str(uuid4())}, []),
    ]
    for params, expected in cases:
        assert await _search(client, params) == expected, params


async def test_paging_links(client: Client) -> None:
    patient = await _patient(client)
    journey = await _journey(client)
    started = [await _start(client, journey, patient) for _ in range(5)]
    first = await _bundle(client, {"patient": patient, "_count": "2"})
    assert [e["resource"]["id"] for e in first["entry"]] == started[::-1][:2]
    assert first["total"] == 5
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert "_offset=0" in links["self"]
    assert "_offset=2" in links["next"]
    assert "previous" not in links
    assert f"patient={patient}" in links["next"]
    last = await _bundle(client, {"patient": patient, "_count": "2", "_offset": "4"})
    assert [e["resource"]["id"] for e in last["entry"]] == [started[0]]
    assert {link["relation"] for link in last["link"]} == {"self", "previous"}


async def test_bad_parameters_are_422_outcomes(client: Client, api_key_client: Any) -> None:
    for params, name in (
        ({"patient": f"Practitioner/{uuid4()}"}, "patient"),
        ({"patient": "not-an-id"}, "patient"),
        ({"organization": f"Patient/{uuid4()}"}, "organization"),
        ({"status": "done"}, "status"),
        ({"type": "Not A Type"}, "type"),
        ({"type": "urn:prm:journey|opd"}, "type"),
        ({"type": "http://snomed.info/sct|123"}, "type"),
        ({"type": "opd,ems"}, "type"),
        ({"_count": "101"}, "_count"),
        ({"_count": "10", "_offset": "5"}, "_offset"),
    ):
        response = await client.get(f"{FHIR}/EpisodeOfCare", params=params)
        assert response.status_code == 422, (params, response.text)
        document = response.json()
        OperationOutcome.model_validate(document)
        assert name in document["issue"][0]["diagnostics"], params
    forbidden = await (await api_key_client("patients:read")).get(f"{FHIR}/EpisodeOfCare")
    assert forbidden.status_code == 403
    OperationOutcome.model_validate(forbidden.json())
    allowed = await (await api_key_client("journeys:read")).get(f"{FHIR}/EpisodeOfCare")
    assert allowed.status_code == 200
