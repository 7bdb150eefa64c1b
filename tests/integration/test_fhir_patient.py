"""FHIR R4 Patient read and search, the CapabilityStatement and OperationOutcome errors, on
SQLite and PostgreSQL; every resource PRM emits is validated with the official R4B models."""

from typing import Any, TypeAlias
from uuid import uuid4

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient
from litestar import Litestar
from litestar.testing import AsyncTestClient

API = "/api/v1/prm"
FHIR = f"{API}/fhir"
Client: TypeAlias = AsyncTestClient[Litestar]


async def _patient(client: Client, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": {"given": ["Zoë", "Anne"], "family": "Ågren", "prefix": ["Dr"]},
        "mrn": f"FHIR-{uuid4().hex[:8]}",
        "identifiers": [{"system": "http://hl7.org/fhir/sid/us-ssn", "value": uuid4().hex[:9], "type": "SS"}],
        "gender": "female",
        "birth_date": "1970-03-04",
        "telecom": [
            {"system": "phone", "value": "+16174923500", "use": "mobile", "rank": 1},
            {"system": "email", "value": f"zoe.{uuid4().hex[:6]}@example.org", "use": "home"},
        ],
        "addresses": [
            {
                "use": "home",
                "line": ["1 Main St"],
                "city": "Boston",
                "state": "MA",
                "postal_code": "02110",
                "country": "US",
            }
        ],
        "preferred_language": "sv",
        "marital_status": "M",
    }
    body.update(overrides)
    created = await client.post(f"{API}/patients", json=body)
    assert created.status_code == 201, created.text
    result: dict[str, Any] = created.json()
    return result


def _outcome(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    document: dict[str, Any] = response.json()
    OperationOutcome.model_validate(document)
    assert document["issue"][0]["severity"] == "error"
    return document


async def test_metadata_is_a_public_capability_statement(anonymous_client: Client) -> None:
    response = await anonymous_client.get(f"{FHIR}/metadata")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    statement = response.json()
    CapabilityStatement.model_validate(statement)
    assert statement["fhirVersion"] == "4.0.1"
    assert statement["format"] == ["json"]
    resources = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert set(resources) == {
        "Patient",
        "Practitioner",
        "Appointment",
        "Organization",
        "Location",
        "Schedule",
        "Slot",
        "Task",
        "Communication",
        "Consent",
        "EpisodeOfCare",
        "RelatedPerson",
    }
    definitions = {
        (kind, p["name"]): p["definition"].rsplit("/", 1)[1]
        for kind, r in resources.items()
        for p in r.get("searchParam", [])
    }
    assert definitions[("EpisodeOfCare", "patient")] == "clinical-patient"
    assert definitions[("Patient", "gender")] == "individual-gender"
    assert definitions[("Patient", "identifier")] == "Patient-identifier"
    assert all(resource.get("searchParam") for resource in resources.values())  # each searchable by something
    patient, appointment = resources["Patient"], resources["Appointment"]
    assert {p["name"] for p in appointment["searchParam"]} == {"patient", "practitioner", "location", "date", "status"}
    assert {p["name"] for p in resources["Organization"]["searchParam"]} >= {"identifier", "name", "partof", "type"}
    assert {i["code"] for i in patient["interaction"]} == {"read", "search-type", "create", "update"}
    assert patient["conditionalCreate"] is True
    assert {i["code"] for i in resources["Task"]["interaction"]} == {"read", "search-type"}
    assert {i["code"] for i in statement["rest"][0]["interaction"]} == {"transaction", "batch"}
    assert [o["name"] for o in statement["rest"][0]["operation"]] == ["export"]
    assert [o["name"] for o in patient["operation"]] == ["export"]
    assert {p["name"] for p in patient["searchParam"]} >= {"identifier", "name", "birthdate", "gender", "phone"}


async def test_read_maps_every_supported_element(client: Client) -> None:
    created = await _patient(client)
    response = await client.get(f"{FHIR}/Patient/{created['id']}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    resource = response.json()
    Patient.model_validate(resource)
    assert resource["id"] == created["id"]
    assert resource["meta"]["versionId"] == "1"
    mrn = next(i for i in resource["identifier"] if i["type"]["coding"][0]["code"] == "MR")
    assert mrn["value"] == created["mrn"]
    assert mrn["type"]["coding"][0]["system"] == "http://terminology.hl7.org/CodeSystem/v2-0203"
    assert any(i["type"]["coding"][0]["code"] == "SS" for i in resource["identifier"])
    assert resource["active"] is True
    assert resource["name"][0] == {
        "use": "official",
        "text": "Dr Zoë Anne Ågren",
        "family": "Ågren",
        "given": ["Zoë", "Anne"],
        "prefix": ["Dr"],
    }
    assert {"system": "phone", "value": "+16174923500", "use": "mobile", "rank": 1} in resource["telecom"]
    assert resource["gender"] == "female"
    assert resource["birthDate"] == "1970-03-04"
    assert resource["address"][0]["postalCode"] == "02110"
    assert resource["maritalStatus"]["coding"][0]["code"] == "M"
    assert resource["communication"][0]["language"]["coding"][0]["code"] == "sv"
    assert "link" not in resource


async def test_deceased_patient_has_deceased_date_time(client: Client) -> None:
    created = await _patient(client, deceased_date="2020-01-02", marital_status="UNK")
    resource = (await client.get(f"{FHIR}/Patient/{created['id']}")).json()
    Patient.model_validate(resource)
    assert resource["deceasedDateTime"] == "2020-01-02"
    assert resource["maritalStatus"]["coding"][0]["system"].endswith("v3-NullFlavor")


async def test_unknown_and_other_tenants_patients_are_404_outcomes(client: Client, other_tenant_client: Client) -> None:
    created = await _patient(client)
    _outcome(await client.get(f"{FHIR}/Patient/{uuid4()}"), 404)
    document = _outcome(await other_tenant_client.get(f"{FHIR}/Patient/{created['id']}"), 404)
    assert document["issue"][0]["code"] == "not-found"
    found = (await other_tenant_client.get(f"{FHIR}/Patient", params={"identifier": created["mrn"]})).json()
    assert found["total"] == 0


async def test_permission_and_authentication_errors_are_outcomes(api_key_client: Any, anonymous_client: Client) -> None:
    _outcome(await anonymous_client.get(f"{FHIR}/Patient"), 401)
    no_access = await api_key_client("tickets:read")
    document = _outcome(await no_access.get(f"{FHIR}/Patient"), 403)
    assert document["issue"][0]["code"] == "forbidden"


async def test_bad_parameters_are_422_outcomes(client: Client) -> None:
    for params in ({"gender": "robot"}, {"birthdate": "yesterday"}, {"_count": "0"}, {"_count": "10", "_offset": "5"}):
        document = _outcome(await client.get(f"{FHIR}/Patient", params=params), 422)
        assert document["issue"][0]["code"] == "invalid"
    _outcome(await client.get(f"{FHIR}/Patient", params={"phone": "1"}), 422)


async def test_a_merged_patient_is_read_with_its_link(client: Client) -> None:
    source = await _patient(client)
    target = await _patient(client)
    merged = await client.post(f"{API}/patients/{source['id']}/merge/{target['id']}", json={})
    assert merged.status_code == 201, merged.text
    old = (await client.get(f"{FHIR}/Patient/{source['id']}")).json()
    Patient.model_validate(old)
    assert old["active"] is False
    assert old["link"] == [{"other": {"reference": f"Patient/{target['id']}"}, "type": "replaced-by"}]
    survivor = (await client.get(f"{FHIR}/Patient/{target['id']}")).json()
    Patient.model_validate(survivor)
    assert {"other": {"reference": f"Patient/{source['id']}"}, "type": "replaces"} in survivor["link"]


def _ids(bundle: dict[str, Any]) -> set[str]:
    return {e["resource"]["id"] for e in bundle.get("entry", [])}


async def _search(client: Client, **params: str) -> dict[str, Any]:
    response = await client.get(f"{FHIR}/Patient", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle: dict[str, Any] = response.json()
    Bundle.model_validate(bundle)
    assert bundle["type"] == "searchset"
    for entry in bundle.get("entry", []):
        assert entry["search"] == {"mode": "match"}
        assert entry["fullUrl"].endswith(f"{FHIR}/Patient/{entry['resource']['id']}")
    return bundle


async def test_search_by_each_parameter(client: Client) -> None:
    zoe = await _patient(client)
    bob = await _patient(
        client,
        name={"given": ["Bob"], "family": "Brown"},
        gender="male",
        birth_date="1980-01-01",
        telecom=[{"system": "phone", "value": "+14155552671"}, {"system": "email", "value": "bob@example.com"}],
        identifiers=[],
    )
    ssn = zoe["identifiers"][1] if zoe["identifiers"][0]["type"] == "MR" else zoe["identifiers"][0]
    cases: list[tuple[dict[str, str], set[str]]] = [
        ({"identifier": zoe["mrn"]}, {zoe["id"]}),
        ({"identifier": f"{ssn['system']}|{ssn['value']}"}, {zoe["id"]}),
        ({"name": "zoe agren"}, {zoe["id"]}),
        ({"family": "brown"}, {bob["id"]}),
        ({"given": "Bob"}, {bob["id"]}),
        ({"family": "agr"}, {zoe["id"]}),
        ({"given": "ann"}, {zoe["id"]}),  # the second given name
        ({"family": "zoe"}, set()),  # a given name, not a family name
        ({"given": "brown"}, set()),
        ({"family": "Ågren", "given": "Zoë"}, {zoe["id"]}),
        ({"birthdate": "1970-03-04", "family": "Ågren"}, {zoe["id"]}),
        ({"gender": "male"}, {bob["id"]}),
        ({"phone": "(415) 555-2671"}, {bob["id"]}),
        ({"email": "bob@example.com"}, {bob["id"]}),
        ({}, {zoe["id"], bob["id"]}),
    ]
    for params, expected in cases:
        bundle = await _search(client, **params)
        assert _ids(bundle) == expected, params
        assert bundle["total"] == len(expected), params


async def test_paging_links(client: Client) -> None:
    family = f"Page{uuid4().hex[:6]}"
    ids = {(await _patient(client, name={"given": [f"G{i}"], "family": family}))["id"] for i in range(5)}
    first = await _search(client, family=family, _count="2")
    assert first["total"] == 5
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert "_count=2" in links["self"]
    assert "_offset=0" in links["self"]
    assert "previous" not in links
    seen = _ids(first)
    url = links["next"]
    while url:
        response = await client.get(url)
        assert response.status_code == 200, response.text
        page = response.json()
        Bundle.model_validate(page)
        seen |= _ids(page)
        links = {link["relation"]: link["url"] for link in page["link"]}
        assert "previous" in links
        url = links.get("next")
    assert seen == ids


async def test_reads_and_searches_are_audited(client: Client) -> None:
    created = await _patient(client)
    assert (await client.get(f"{FHIR}/Patient/{created['id']}")).status_code == 200
    assert (await client.get(f"{FHIR}/Patient", params={"identifier": created["mrn"]})).status_code == 200
    for action in ("read", "search"):
        events = await client.get(f"{API}/audit/events", params={"entity_id": created["id"], "action": action})
        assert events.status_code == 200, events.text
        assert events.json()["total"] == 1, action
