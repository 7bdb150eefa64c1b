"""FHIR R4 create, conditional create, update and transaction/batch Bundles, on SQLite and
PostgreSQL; every resource and Bundle PRM answers is validated with the official R4B models."""

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeAlias
from uuid import uuid4

from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient
from litestar import Litestar
from litestar.testing import AsyncTestClient

API = "/api/v1/prm"
FHIR = f"{API}/fhir"
FHIR_JSON = {"Content-Type": "application/fhir+json"}
DATA = Path(__file__).parent.parent / "data" / "fhir"
Client: TypeAlias = AsyncTestClient[Litestar]
SS = "http://hl7.org/fhir/sid/us-ssn"
V2 = "http://terminology.hl7.org/CodeSystem/v2-0203"


def _ndjson(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]


def _resource(**overrides: Any) -> dict[str, Any]:
    """A Patient with every element PRM keeps (the shapes ``adapters/fhir/patient.py`` emits)."""
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [
            {
                "use": "usual",
                "type": {"coding": [{"system": V2, "code": "MR", "display": "Medical record number"}]},
                "system": "urn:test:mrn",
                "value": f"MRN-{uuid4().hex[:10]}",
            },
            {
                "type": {"coding": [{"system": V2, "code": "SS", "display": "Social Security number"}]},
                "system": SS,
                "value": uuid4().hex[:9],
            },
        ],
        "active": True,
        "name": [{"use": "official", "text": "Dr Zoë Anne Ågren", "family": "Ågren", "given": ["Zoë", "Anne"]}],
        "telecom": [
            {"system": "phone", "value": "+16174923500", "use": "mobile", "rank": 1},
            {"system": "email", "value": f"zoe.{uuid4().hex[:6]}@example.org", "use": "home"},
        ],
        "gender": "female",
        "birthDate": "1970-03-04",
        "address": [
            {
                "use": "home",
                "line": ["1 Main St"],
                "city": "Boston",
                "state": "MA",
                "postalCode": "02110",
                "country": "US",
            }
        ],
        "maritalStatus": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus", "code": "M"}]
        },
        "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "sv"}]}, "preferred": True}],
    }
    resource["name"][0]["prefix"] = ["Dr"]
    resource.update(overrides)
    return resource


def _kept(resource: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if k not in {"id", "meta"}}


def _outcome(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    document: dict[str, Any] = response.json()
    OperationOutcome.model_validate(document)
    return document


async def _create(client: Client, resource: dict[str, Any], **headers: str) -> Any:
    return await client.post(f"{FHIR}/Patient", content=json.dumps(resource), headers={**FHIR_JSON, **headers})


async def test_create_round_trips_every_supported_element(client: Client) -> None:
    given = _resource()
    response = await _create(client, given)
    assert response.status_code == 201, response.text
    created = response.json()
    Patient.model_validate(created)
    assert _kept(created) == given
    assert response.headers["etag"] == 'W/"1"'
    assert response.headers["location"].endswith(f"/fhir/Patient/{created['id']}/_history/1")
    read = (await client.get(f"{FHIR}/Patient/{created['id']}")).json()
    assert _kept(read) == given
    again = await _create(client, _kept(read) | {"identifier": _resource()["identifier"]})
    assert _kept(again.json()) | {"identifier": read["identifier"]} == _kept(read)


async def test_create_is_audited_and_needs_patients_write(client: Client, api_key_client: Any) -> None:
    created = (await _create(client, _resource())).json()
    events = await client.get(f"{API}/audit/events", params={"entity_id": created["id"], "action": "create"})
    assert events.json()["total"] == 1
    reader = await api_key_client("patients:read")
    _outcome(await _create(reader, _resource()), 403)


async def test_conditional_create(client: Client) -> None:
    given = _resource()
    ss = given["identifier"][1]["value"]
    first = await _create(client, given)
    assert first.status_code == 201
    other = _resource()
    found = await _create(client, other, **{"If-None-Exist": f"identifier={SS}|{ss}"})
    assert (found.status_code, found.json()["id"]) == (200, first.json()["id"])
    assert "location" not in found.headers
    absent = await _create(client, other, **{"If-None-Exist": f"identifier={SS}|{uuid4().hex[:9]}"})
    assert absent.status_code == 201
    shared = _resource()
    shared["identifier"][1]["value"] = ss
    assert (await _create(client, shared)).status_code == 201
    document = _outcome(await _create(client, _resource(), **{"If-None-Exist": f"identifier={SS}|{ss}"}), 412)
    assert document["issue"][0]["details"]["text"] == "fhir.multiple_matches"
    _outcome(await _create(client, _resource(), **{"If-None-Exist": "name=Zoe"}), 422)


async def test_update_with_if_match(client: Client) -> None:
    created = (await _create(client, _resource())).json()
    url = f"{FHIR}/Patient/{created['id']}"
    changed = _kept(created) | {"birthDate": "1971-01-02", "gender": "other", "id": created["id"]}
    del changed["telecom"]
    stale = await client.put(url, content=json.dumps(changed), headers={**FHIR_JSON, "If-Match": 'W/"7"'})
    _outcome(stale, 412)
    response = await client.put(url, content=json.dumps(changed), headers={**FHIR_JSON, "If-Match": 'W/"1"'})
    assert response.status_code == 200, response.text
    updated = response.json()
    Patient.model_validate(updated)
    assert (updated["birthDate"], updated["gender"], "telecom" in updated) == ("1971-01-02", "other", False)
    assert (updated["meta"]["versionId"], response.headers["etag"]) == ("2", 'W/"2"')
    inactive = await client.put(url, content=json.dumps(changed | {"active": False}), headers=FHIR_JSON)
    assert inactive.json()["active"] is False
    _outcome(await client.put(f"{FHIR}/Patient/{uuid4()}", content=json.dumps(_resource()), headers=FHIR_JSON), 404)
    other = json.dumps(changed | {"id": str(uuid4())})
    _outcome(await client.put(url, content=other, headers=FHIR_JSON), 400)


async def test_bad_resources_name_the_element(client: Client) -> None:
    cases = [
        (_resource(birthDate="1990-13-01"), "Patient.birthDate"),
        (_resource(birthDate="2990-01-01"), "Patient.birthDate"),
        (_resource(gender="mal"), "Patient.gender"),
        (_resource(name=[]), "Patient.name"),
        (_resource(telecom=[{"system": "phone", "value": "12"}]), "Patient.telecom[0].value"),
        (_resource(resourceType="Observation"), "Patient.resourceType"),
    ]
    for resource, expression in cases:
        document = _outcome(await _create(client, resource), 422)
        assert document["issue"][0]["expression"] == [expression], document
    _outcome(await client.post(f"{FHIR}/Patient", content=b"{not json", headers=FHIR_JSON), 400)


def _synthea_bundle(kind: str = "transaction") -> dict[str, Any]:
    """A per-patient Bundle as Synthea writes them: the Patient and its encounters, which refer
    to it by its ``urn:uuid:`` fullUrl."""
    patient = copy.deepcopy(_ndjson("Patient.000.ndjson")[2])
    suffix = uuid4().hex[:8]
    for identifier in patient["identifier"]:
        identifier["value"] = f"{identifier['value']}-{suffix}"
    full_url = f"urn:uuid:{uuid4()}"
    entries: list[dict[str, Any]] = [
        {"fullUrl": full_url, "resource": patient, "request": {"method": "POST", "url": "Patient"}}
    ]
    for encounter in _ndjson("Encounter.head5.ndjson"):
        encounter["subject"] = {"reference": full_url}
        entries.append(
            {
                "fullUrl": f"urn:uuid:{encounter['id']}",
                "resource": encounter,
                "request": {"method": "POST", "url": "Encounter"},
            }
        )
    return {"resourceType": "Bundle", "type": kind, "entry": entries}


async def _post_bundle(client: Client, bundle: dict[str, Any]) -> Any:
    return await client.post(FHIR, content=json.dumps(bundle), headers=FHIR_JSON)


async def _count(client: Client, identifier: str) -> int:
    found = await client.get(f"{FHIR}/Patient", params={"identifier": identifier})
    total: int = found.json()["total"]
    return total


async def test_a_synthea_transaction_imports_its_patient(client: Client) -> None:
    bundle = _synthea_bundle()
    mrn = bundle["entry"][0]["resource"]["identifier"][1]["value"]
    response = await _post_bundle(client, bundle)
    assert response.status_code == 200, response.text
    answer = response.json()
    Bundle.model_validate(answer)
    assert answer["type"] == "transaction-response"
    first, *others = answer["entry"]
    assert first["response"]["status"] == "201 Created"
    assert first["response"]["location"].startswith("Patient/")
    assert first["response"]["outcome"]["issue"][0]["severity"] == "warning"  # a 555 phone, left out
    assert [e["response"]["outcome"]["issue"][0]["severity"] for e in others] == ["information"] * 5
    assert await _count(client, mrn) == 1
    patient = first["resource"]
    Patient.model_validate(patient)
    assert (patient["gender"], patient["birthDate"]) == (
        bundle["entry"][0]["resource"]["gender"],
        bundle["entry"][0]["resource"]["birthDate"],
    )


async def test_a_failing_transaction_writes_nothing(client: Client) -> None:
    bundle = _synthea_bundle()
    mrn = bundle["entry"][0]["resource"]["identifier"][1]["value"]
    bundle["entry"].append(
        {"resource": _resource(birthDate="1990-02-30"), "request": {"method": "POST", "url": "Patient"}}
    )
    document = _outcome(await _post_bundle(client, bundle), 422)
    assert document["issue"][0]["expression"] == ["Bundle.entry[6].resource.Patient.birthDate"]
    assert await _count(client, mrn) == 0


async def test_a_batch_answers_each_entry(client: Client) -> None:
    good, taken = _resource(), _resource()
    assert (await _create(client, taken)).status_code == 201
    stale_target = (await _create(client, _resource())).json()
    entries = [
        {"resource": good, "request": {"method": "POST", "url": "Patient"}},
        {"resource": taken, "request": {"method": "POST", "url": "Patient"}},
        {"resource": _resource(gender="x"), "request": {"method": "POST", "url": "Patient"}},
        {
            "resource": _kept(stale_target),
            "request": {"method": "PUT", "url": f"Patient/{stale_target['id']}", "ifMatch": 'W/"4"'},
        },
        {"request": {"method": "DELETE", "url": f"Patient/{stale_target['id']}"}},
        {"resource": {"resourceType": "Condition"}, "request": {"method": "POST", "url": "Condition"}},
    ]
    response = await _post_bundle(client, {"resourceType": "Bundle", "type": "batch", "entry": entries})
    assert response.status_code == 200, response.text
    answer = response.json()
    Bundle.model_validate(answer)
    statuses = [e["response"]["status"] for e in answer["entry"]]
    assert statuses == [
        "201 Created",
        "409 Conflict",
        "422 Unprocessable Entity",
        "412 Precondition Failed",
        "422 Unprocessable Entity",
        "200 OK",
    ]
    assert answer["entry"][2]["response"]["outcome"]["issue"][0]["expression"] == [
        "Bundle.entry[2].resource.Patient.gender"
    ]
    assert await _count(client, good["identifier"][0]["value"]) == 1


async def test_a_batch_entry_that_fails_is_undone_alone(client: Client) -> None:
    """Two entries of one batch with the same MRN: the second is refused (409) and undone by
    itself; the entries before and after it are written."""
    first, after = _resource(), _resource()
    twin = _resource()
    twin["identifier"] = first["identifier"]
    entries = [{"resource": r, "request": {"method": "POST", "url": "Patient"}} for r in (first, twin, after)]
    response = await _post_bundle(client, {"resourceType": "Bundle", "type": "batch", "entry": entries})
    assert response.status_code == 200, response.text
    statuses = [e["response"]["status"] for e in response.json()["entry"]]
    assert statuses == ["201 Created", "409 Conflict", "201 Created"]
    assert await _count(client, first["identifier"][0]["value"]) == 1
    assert await _count(client, after["identifier"][0]["value"]) == 1


async def test_bundle_errors(client: Client) -> None:
    _outcome(await _post_bundle(client, {"resourceType": "Bundle", "type": "collection"}), 422)
    _outcome(await _post_bundle(client, {"resourceType": "Patient"}), 422)
    _outcome(await client.post(FHIR, content=b"[", headers=FHIR_JSON), 400)


async def _appointment_body(client: Client, starts_in_days: int = 3) -> dict[str, Any]:
    patient = (await _create(client, _resource())).json()
    practitioner = await client.post(
        f"{API}/practitioners", json={"first_name": "Grace", "last_name": "Hopper", "speciality": "Cardiology"}
    )
    assert practitioner.status_code == 201, practitioner.text
    start = (datetime.now(UTC) + timedelta(days=starts_in_days)).replace(microsecond=0, second=0, minute=0)
    return {
        "resourceType": "Appointment",
        "status": "booked",
        "appointmentType": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0276", "code": "CHECKUP"}]},
        "reasonCode": [{"text": "Yearly check-up"}],
        "start": start.isoformat().replace("+00:00", "Z"),
        "end": (start + timedelta(minutes=30)).isoformat().replace("+00:00", "Z"),
        "participant": [
            {"actor": {"reference": f"Patient/{patient['id']}"}, "status": "accepted"},
            {"actor": {"reference": f"Practitioner/{practitioner.json()['id']}"}, "status": "accepted"},
        ],
    }


async def test_appointment_create_and_update(client: Client) -> None:
    body = await _appointment_body(client)
    created = await client.post(f"{FHIR}/Appointment", content=json.dumps(body), headers=FHIR_JSON)
    assert created.status_code == 201, created.text
    resource = created.json()
    Appointment.model_validate(resource)
    assert created.headers["location"].endswith(f"/fhir/Appointment/{resource['id']}/_history/1")
    assert (resource["status"], resource["start"][:16], resource["reasonCode"]) == (
        "booked",
        body["start"][:16],
        [{"text": "Yearly check-up"}],
    )
    assert [p["actor"] for p in resource["participant"]] == [p["actor"] for p in body["participant"]]
    url = f"{FHIR}/Appointment/{resource['id']}"
    later = body | {
        "start": body["end"],
        "end": (datetime.fromisoformat(body["end"]) + timedelta(minutes=45)).isoformat(),
        "reasonCode": [{"text": "Follow-up"}],
    }
    _outcome(await client.put(url, content=json.dumps(later), headers={**FHIR_JSON, "If-Match": 'W/"9"'}), 412)
    moved = await client.put(url, content=json.dumps(later), headers={**FHIR_JSON, "If-Match": 'W/"1"'})
    assert moved.status_code == 200, moved.text
    Appointment.model_validate(moved.json())
    assert (moved.json()["minutesDuration"], moved.json()["reasonCode"]) == (45, [{"text": "Follow-up"}])
    assert moved.headers["etag"] == f'W/"{moved.json()["meta"]["versionId"]}"'
    _outcome(await client.put(f"{FHIR}/Appointment/{uuid4()}", content=json.dumps(later), headers=FHIR_JSON), 404)
    clash = await client.post(f"{FHIR}/Appointment", content=json.dumps(later), headers=FHIR_JSON)
    _outcome(clash, 409)


async def test_bad_appointments_name_the_element(client: Client) -> None:
    body = await _appointment_body(client)
    unknown = body | {"participant": [{"actor": {"reference": f"Patient/{uuid4()}"}}, body["participant"][1]]}
    _outcome(await client.post(f"{FHIR}/Appointment", content=json.dumps(unknown), headers=FHIR_JSON), 404)
    for broken, expression in (
        ({k: v for k, v in body.items() if k != "start"}, "Appointment.start"),
        (body | {"end": "2027-01-01T10:00:00"}, "Appointment.end"),
        (body | {"status": "done"}, "Appointment.status"),
        (body | {"participant": body["participant"][:1]}, "Appointment.participant"),
    ):
        document = _outcome(
            await client.post(f"{FHIR}/Appointment", content=json.dumps(broken), headers=FHIR_JSON), 422
        )
        assert document["issue"][0]["expression"] == [expression], document
