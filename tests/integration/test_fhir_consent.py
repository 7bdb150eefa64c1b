"""FHIR R4 Consent (channel consent records) read and search on SQLite and PostgreSQL, validated
with the R4B models: status from whether a record is in force, the provision per channel, the
filters, paging, tenancy and bad parameters."""

from typing import Any
from uuid import uuid4

from fhir.resources.R4B.consent import Consent
from fhir.resources.R4B.operationoutcome import OperationOutcome

from tests.integration.fhir_support import searchset
from tests.integration.messages_support import API as COMMUNICATIONS
from tests.integration.messages_support import Client, a_patient

API = "/api/v1/prm"
FHIR = f"{API}/fhir"


async def _record(client: Client, patient: str, channel: str, status: str = "active", provision: str = "deny") -> str:
    response = await client.put(
        f"{COMMUNICATIONS}/consents/{patient}/{channel}", json={"status": status, "provision": provision}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["record"]["id"])


async def _search(client: Client, params: dict[str, str]) -> dict[str, Any]:
    return await searchset(client, "Consent", Consent, params)


def _ids(bundle: dict[str, Any]) -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


async def test_read_maps_the_record_and_a_later_one_makes_it_inactive(
    client: Client, other_tenant_client: Client
) -> None:
    patient = (await a_patient(client))["id"]
    opt_out = await _record(client, patient, "sms")
    response = await client.get(f"{FHIR}/Consent/{opt_out}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    resource = response.json()
    Consent.model_validate(resource)
    assert resource["status"] == "active"
    assert resource["scope"]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/consentscope",
        "code": "patient-privacy",
        "display": "Privacy Consent",
    }
    assert resource["category"][0]["coding"][0]["code"] == "59284-0"
    assert resource["patient"] == {"reference": f"Patient/{patient}"}
    assert resource["provision"]["type"] == "deny"
    assert [c["code"] for c in resource["provision"]["code"][0]["coding"]] == ["SMSWRIT", "sms"]
    assert resource["policyRule"]["coding"][0]["code"] == "OPTOUT"
    assert resource["extension"][0]["valueCode"] == "staff"
    assert resource["meta"]["versionId"] == "1"

    opt_in = await _record(client, patient, "sms", provision="permit")
    replaced = (await client.get(f"{FHIR}/Consent/{opt_out}")).json()
    Consent.model_validate(replaced)
    assert (replaced["status"], replaced["meta"]["versionId"]) == ("inactive", "2")
    assert replaced["meta"]["lastUpdated"] >= resource["meta"]["lastUpdated"]
    current = (await client.get(f"{FHIR}/Consent/{opt_in}")).json()
    assert (current["status"], current["provision"]["type"]) == ("active", "permit")

    missing = await other_tenant_client.get(f"{FHIR}/Consent/{opt_out}")
    assert missing.status_code == 404
    OperationOutcome.model_validate(missing.json())
    unknown = await client.get(f"{FHIR}/Consent/{uuid4()}")
    assert unknown.status_code == 404
    OperationOutcome.model_validate(unknown.json())
    assert _ids(await _search(other_tenant_client, {"patient": patient})) == []
    assert _ids(await _search(other_tenant_client, {})) == []


async def test_search_filters(client: Client) -> None:
    ada, bob = (await a_patient(client))["id"], (await a_patient(client))["id"]
    a1 = await _record(client, ada, "sms")
    a2 = await _record(client, ada, "email", provision="permit")
    a3 = await _record(client, ada, "sms", provision="permit")  # replaces a1
    b1 = await _record(client, bob, "whatsapp")
    b2 = await _record(client, bob, "whatsapp", status="inactive")  # withdraws b1: in force none
    cases: list[tuple[dict[str, str], list[str]]] = [
        ({}, [b2, b1, a3, a2, a1]),
        ({"patient": f"Patient/{ada}"}, [a3, a2, a1]),
        ({"patient": bob}, [b2, b1]),
        ({"status": "active"}, [a3, a2]),
        ({"status": "inactive"}, [b2, b1, a1]),
        ({"status": "http://hl7.org/fhir/consent-state-codes|active", "patient": bob}, []),
        ({"status": "inactive", "patient": ada}, [a1]),
        ({"status": "active,inactive", "patient": bob}, [b2, b1]),
        ({"status": "draft"}, []),
        ({"status": "proposed,rejected", "patient": ada}, []),
        ({"patient": str(uuid4())}, []),
    ]
    for params, expected in cases:
        bundle = await _search(client, params)
        assert _ids(bundle) == expected, params
        assert bundle["total"] == len(expected), params


async def test_paging_links(client: Client) -> None:
    patient = (await a_patient(client))["id"]
    ids = {await _record(client, patient, channel) for channel in ("sms", "email", "whatsapp")}
    first = await _search(client, {"patient": patient, "_count": "2"})
    assert (first["total"], len(_ids(first))) == (3, 2)
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert "/fhir/Consent?" in links["self"]
    second = await _search(client, dict(p.split("=") for p in links["next"].split("?")[1].split("&")))
    assert set(_ids(first)) | set(_ids(second)) == ids
    assert "previous" in {link["relation"] for link in second["link"]}


async def test_bad_parameters_are_422_outcomes_naming_them(client: Client, api_key_client: Any) -> None:
    cases: list[tuple[dict[str, str], str]] = [
        ({"patient": f"Practitioner/{uuid4()}"}, "patient"),
        ({"patient": "not-an-id"}, "patient"),
        ({"status": "permit"}, "status"),
        ({"status": "urn:other|active"}, "status"),
        ({"_count": "0"}, "_count"),
        ({"_count": "10", "_offset": "5"}, "_offset"),
    ]
    for params, name in cases:
        response = await client.get(f"{FHIR}/Consent", params=params)
        assert response.status_code == 422, (params, response.text)
        document = response.json()
        OperationOutcome.model_validate(document)
        assert name in document["issue"][0]["diagnostics"], params
    reader = await api_key_client("communications:read")
    assert (await reader.get(f"{FHIR}/Consent")).status_code == 200
    forbidden = await (await api_key_client("patients:read")).get(f"{FHIR}/Consent")
    assert forbidden.status_code == 403
    OperationOutcome.model_validate(forbidden.json())
    forbidden_read = await (await api_key_client("patients:read")).get(f"{FHIR}/Consent/{uuid4()}")
    assert forbidden_read.status_code == 403
