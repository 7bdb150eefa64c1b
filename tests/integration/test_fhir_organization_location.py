"""FHIR R4 Organization, Location, Schedule and Slot read and search on SQLite and PostgreSQL, validated with the
R4B models: the hierarchy as ``partOf``, each filter, tenancy, audit and bad parameters."""

from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeAlias
from uuid import uuid4

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.schedule import Schedule
from fhir.resources.R4B.slot import Slot
from litestar import Litestar
from litestar.testing import AsyncTestClient

API = "/api/v1/prm"
FHIR = f"{API}/fhir"
Client: TypeAlias = AsyncTestClient[Litestar]


async def _created(client: Client, path: str, body: dict[str, Any]) -> str:
    response = await client.post(f"{API}{path}", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _org(client: Client, code: str, kind: str = "hospital", **more: Any) -> str:
    return await _created(client, "/organizations", {"name": f"Org {code}", "code": code, "type": kind, **more})


async def _search(client: Client, kind: str, params: dict[str, str]) -> list[str]:
    response = await client.get(f"{FHIR}/{kind}", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle: dict[str, Any] = response.json()
    Bundle.model_validate(bundle)
    model = Organization if kind == "Organization" else Location
    for entry in bundle.get("entry", []):
        model.model_validate(entry["resource"])
    ids = [e["resource"]["id"] for e in bundle.get("entry", [])]
    assert bundle["total"] == len(ids) or "_count" in params, params
    return ids


async def test_organization_read_maps_the_hierarchy(client: Client, other_tenant_client: Client) -> None:
    hospital = await _org(
        client,
        "HOSP001",
        name="AlHammadi Hospital",
        address={"line": ["1 Main St"], "city": "Riyadh", "country": "SA"},
        phone="+966112345678",
        email="desk@example.org",
    )
    department = await _org(client, "DEPT_OPD", "department", name="Outpatients", part_of=hospital)
    response = await client.get(f"{FHIR}/Organization/{department}")
    assert response.status_code == 200, response.text
    resource = response.json()
    Organization.model_validate(resource)
    assert resource["partOf"] == {"reference": f"Organization/{hospital}"}
    assert resource["type"][0]["coding"][0]["code"] == "dept"
    assert resource["identifier"] == [{"system": "urn:prm:organization-code", "value": "DEPT_OPD"}]
    assert resource["active"] is True
    parent = (await client.get(f"{FHIR}/Organization/{hospital}")).json()
    Organization.model_validate(parent)
    assert parent["type"][0]["coding"][0]["code"] == "prov"
    assert parent["address"][0]["city"] == "Riyadh"
    assert {"system": "phone", "value": "+966112345678", "use": "work"} in parent["telecom"]
    assert "partOf" not in parent
    missing = await other_tenant_client.get(f"{FHIR}/Organization/{hospital}")
    assert missing.status_code == 404
    OperationOutcome.model_validate(missing.json())
    assert await _search(other_tenant_client, "Organization", {"identifier": "HOSP001"}) == []
    events = await client.get(f"{API}/audit/events", params={"entity_id": hospital, "action": "read"})
    assert events.json()["total"] == 1


async def test_organization_search_filters(client: Client) -> None:
    hospital = await _org(client, "HOSP001", name="AlHammadi Hospital", address={"city": "Riyadh"})
    opd = await _org(client, "DEPT_OPD", "department", name="Outpatient Department", part_of=hospital)
    lab = await _org(client, "DEPT_LAB", "department", name="Laboratory", part_of=hospital, status="inactive")
    jeddah = await _org(client, "JED01", name="Jeddah Clinic", address={"city": "Jeddah"})
    cases: list[tuple[dict[str, str], list[str]]] = [
        ({}, [hospital, jeddah, lab, opd]),
        ({"identifier": "dept_opd"}, [opd]),
        ({"identifier": "urn:prm:organization-code|JED01"}, [jeddah]),
        ({"identifier": "JED01", "type": "dept"}, []),
        ({"identifier": "NOPE"}, []),
        ({"name": "hammadi"}, [hospital]),
        ({"type": "dept"}, [lab, opd]),
        ({"type": "http://terminology.hl7.org/CodeSystem/organization-type|prov"}, [hospital, jeddah]),
        ({"partof": f"Organization/{hospital}"}, [lab, opd]),
        ({"partof": hospital, "active": "true"}, [opd]),
        ({"active": "false"}, [lab]),
        ({"address-city": "jeddah"}, [jeddah]),
    ]
    for params, expected in cases:
        assert await _search(client, "Organization", params) == expected, params
    first = await client.get(f"{FHIR}/Organization", params={"_count": "3"})
    links = {link["relation"]: link["url"] for link in first.json()["link"]}
    assert first.json()["total"] == 4
    rest = (await client.get(links["next"])).json()
    assert [e["resource"]["id"] for e in rest["entry"]] == [opd]


async def test_organization_bad_parameters_are_422_outcomes(client: Client) -> None:
    for params, name in (
        ({"type": "clinic"}, "type"),
        ({"type": "urn:x|prov"}, "type"),
        ({"identifier": "urn:x|HOSP"}, "identifier"),
        ({"partof": "Patient/" + str(uuid4())}, "partof"),
        ({"active": "maybe"}, "active"),
    ):
        response = await client.get(f"{FHIR}/Organization", params=params)
        assert response.status_code == 422, (params, response.text)
        document = response.json()
        OperationOutcome.model_validate(document)
        assert name in document["issue"][0]["diagnostics"], params


async def test_location_read_and_search(client: Client, other_tenant_client: Client, api_key_client: Any) -> None:
    harley = await _created(
        client,
        "/locations",
        {
            "name": "Harley Street Clinic",
            "time_zone": "Europe/London",
            "phone": "+44 20 7946 0018",
            "address": {"line": ["10 Harley St"], "city": "London", "country": "GB"},
        },
    )
    riyadh = await _created(client, "/locations", {"name": "Riyadh Outpatients", "time_zone": "Asia/Riyadh"})
    response = await client.get(f"{FHIR}/Location/{harley}")
    assert response.status_code == 200, response.text
    resource = response.json()
    Location.model_validate(resource)
    assert resource["name"] == "Harley Street Clinic"
    assert resource["extension"] == [
        {"url": "http://hl7.org/fhir/StructureDefinition/timezone", "valueCode": "Europe/London"}
    ]
    assert resource["telecom"][0]["value"] == "+442079460018"
    assert resource["address"]["city"] == "London"
    assert await _search(client, "Location", {}) == [harley, riyadh]
    assert await _search(client, "Location", {"name": "street harl"}) == [harley]
    assert await _search(client, "Location", {"name": "out"}) == [riyadh]
    assert await _search(client, "Location", {"name": "treet"}) == []
    assert await _search(client, "Location", {"_count": "1", "_offset": "1"}) == [riyadh]
    missing = await other_tenant_client.get(f"{FHIR}/Location/{harley}")
    assert missing.status_code == 404
    OperationOutcome.model_validate(missing.json())
    assert await _search(other_tenant_client, "Location", {}) == []
    forbidden = await (await api_key_client("patients:read")).get(f"{FHIR}/Location")
    assert forbidden.status_code == 403
    OperationOutcome.model_validate(forbidden.json())


async def _schedule(client: Client) -> tuple[str, str, str]:
    doctor = await _created(client, "/practitioners", {"first_name": "John", "last_name": f"Smith{uuid4().hex[:4]}"})
    location = await _created(client, "/locations", {"name": "Harley Street", "time_zone": "Europe/London"})
    schedule = await _created(
        client,
        "/schedules",
        {
            "practitioner_id": doctor,
            "location_id": location,
            "rules": [{"weekdays": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "12:00"}],
            "slot_minutes": 30,
            "valid_from": "2020-01-01",
        },
    )
    return doctor, location, schedule


def _next_weekday(days_ahead: int) -> date:
    day = datetime.now(UTC).date() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


async def test_schedule_read_and_search(client: Client, other_tenant_client: Client) -> None:
    doctor, location, schedule = await _schedule(client)
    other_doctor, _, other_schedule = await _schedule(client)
    response = await client.get(f"{FHIR}/Schedule/{schedule}")
    assert response.status_code == 200, response.text
    resource = response.json()
    Schedule.model_validate(resource)
    assert resource["actor"] == [{"reference": f"Practitioner/{doctor}"}, {"reference": f"Location/{location}"}]
    assert resource["planningHorizon"] == {"start": "2020-01-01"}
    assert "mon, tue, wed, thu, fri 09:00-12:00" in resource["comment"]
    cases: list[tuple[Any, list[str]]] = [
        ({"actor": f"Practitioner/{doctor}"}, [schedule]),
        ({"actor": f"Location/{location}"}, [schedule]),
        ([("actor", f"Practitioner/{other_doctor}"), ("actor", f"Location/{location}")], []),
        ({}, sorted([schedule, other_schedule], key=lambda s: s)),
    ]
    for params, expected in cases:
        found = await client.get(f"{FHIR}/Schedule", params=params)
        assert found.status_code == 200, found.text
        bundle = found.json()
        Bundle.model_validate(bundle)
        assert sorted(e["resource"]["id"] for e in bundle.get("entry", [])) == sorted(expected), params
    for params in ({"actor": doctor}, {"actor": f"Patient/{doctor}"}, {"actor": "Practitioner/x"}):
        bad = await client.get(f"{FHIR}/Schedule", params=params)
        assert bad.status_code == 422, params
        assert "actor" in bad.json()["issue"][0]["diagnostics"]
    assert (await other_tenant_client.get(f"{FHIR}/Schedule/{schedule}")).status_code == 404


async def test_slots_are_the_free_slots_of_availability(client: Client, other_tenant_client: Client) -> None:
    doctor, _, schedule = await _schedule(client)
    day = _next_weekday(7)
    free = await client.get(
        f"{API}/appointments/availability", params={"practitioner_id": doctor, "date": day.isoformat()}
    )
    expected = [s["time_slot_id"] for s in free.json()["slots"]]
    assert len(expected) == 6
    params: list[tuple[str, str | int | float | bool | None]] = [
        ("schedule", f"Schedule/{schedule}"),
        ("start", f"ge{day}"),
        ("start", f"le{day}"),
        ("status", "free"),
    ]
    response = await client.get(f"{FHIR}/Slot", params=params)
    assert response.status_code == 200, response.text
    bundle = response.json()
    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        Slot.model_validate(entry["resource"])
    assert [e["resource"]["id"] for e in bundle["entry"]] == expected
    first = bundle["entry"][0]["resource"]
    assert first["schedule"] == {"reference": f"Schedule/{schedule}"}
    assert first["status"] == "free"
    assert first["start"] == free.json()["slots"][0]["start_time"].replace("Z", "+00:00")
    read = await client.get(f"{FHIR}/Slot/{first['id']}")
    assert read.status_code == 200, read.text
    Slot.model_validate(read.json())
    assert read.json() == first
    booked = await client.post(
        f"{API}/appointments", json={"patient_id": await _a_patient(client), "time_slot_id": first["id"]}
    )
    assert booked.status_code == 201, booked.text
    gone = await client.get(f"{FHIR}/Slot/{first['id']}")
    assert gone.status_code == 404
    OperationOutcome.model_validate(gone.json())
    after = (await client.get(f"{FHIR}/Slot", params=params)).json()
    assert [e["resource"]["id"] for e in after["entry"]] == expected[1:]
    assert (await client.get(f"{FHIR}/Slot", params=[*params[:3], ("status", "busy")])).json()["total"] == 0
    assert (await other_tenant_client.get(f"{FHIR}/Slot/{expected[1]}")).status_code == 404
    assert (await other_tenant_client.get(f"{FHIR}/Slot", params=params[:1])).status_code == 404
    assert (await client.get(f"{FHIR}/Slot/{uuid4()}")).status_code == 404
    cases: list[tuple[list[tuple[str, str | int | float | bool | None]], str]] = [
        ([], "schedule"),
        ([("schedule", "Location/" + schedule)], "schedule"),
        ([*params[:1], ("start", "ap2026-01-01")], "start"),
        ([*params[:1], ("start", "ge2026-01-01"), ("start", "le2027-12-31")], "start"),
        ([*params[:1], ("status", "open")], "status"),
    ]
    for bad, name in cases:
        response = await client.get(f"{FHIR}/Slot", params=bad)
        assert response.status_code == 422, (bad, response.text)
        assert name in response.json()["issue"][0]["diagnostics"], bad


async def _a_patient(client: Client) -> str:
    body = {"name": {"given": ["Ada"], "family": "Lovelace"}, "mrn": f"MRN-{uuid4().hex[:10]}", "gender": "female"}
    return await _created(client, "/patients", body)
