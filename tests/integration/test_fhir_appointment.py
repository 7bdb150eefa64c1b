"""FHIR R4 Appointment read and search on SQLite and PostgreSQL, validated with the R4B models:
participants, the date prefixes, status tokens, references, tenancy and bad parameters."""

from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeAlias
from uuid import uuid4

from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from litestar import Litestar
from litestar.testing import AsyncTestClient

API = "/api/v1/prm"
FHIR = f"{API}/fhir"
Client: TypeAlias = AsyncTestClient[Litestar]


async def _created(client: Client, path: str, body: dict[str, Any]) -> str:
    response = await client.post(f"{API}{path}", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _patient(client: Client) -> str:
    body = {"name": {"given": ["Ada"], "family": "Lovelace"}, "mrn": f"MRN-{uuid4().hex[:10]}", "gender": "female"}
    return await _created(client, "/patients", body)


async def _practitioner(client: Client) -> str:
    return await _created(client, "/practitioners", {"first_name": "John", "last_name": f"Smith{uuid4().hex[:4]}"})


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


async def _book(client: Client, patient: str, practitioner: str, starts: datetime, **more: Any) -> str:
    body = {
        "patient_id": patient,
        "practitioner_id": practitioner,
        "start_time": starts.isoformat(),
        "end_time": (starts + timedelta(minutes=30)).isoformat(),
        **more,
    }
    return await _created(client, "/appointments", body)


async def _search(client: Client, params: Any) -> dict[str, Any]:
    response = await client.get(f"{FHIR}/Appointment", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle: dict[str, Any] = response.json()
    Bundle.model_validate(bundle)
    for entry in bundle.get("entry", []):
        Appointment.model_validate(entry["resource"])
        assert entry["fullUrl"].endswith(f"{FHIR}/Appointment/{entry['resource']['id']}")
    return bundle


def _ids(bundle: dict[str, Any]) -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


async def test_read_maps_participants_type_and_times(client: Client, other_tenant_client: Client) -> None:
    patient, doctor = await _patient(client), await _practitioner(client)
    location = await _created(client, "/locations", {"name": "Harley Street", "time_zone": "Europe/London"})
    starts = _at(datetime.now(UTC).date() + timedelta(days=10), 9)
    booked = await _book(
        client, patient, doctor, starts, location_id=location, appointment_type="Follow-up", reason_text="Knee pain"
    )
    response = await client.get(f"{FHIR}/Appointment/{booked}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    resource = response.json()
    Appointment.model_validate(resource)
    assert resource["status"] == "booked"
    assert resource["start"] == starts.isoformat()
    assert resource["minutesDuration"] == 30
    assert resource["appointmentType"]["coding"][0]["code"] == "FOLLOWUP"
    assert resource["reasonCode"] == [{"text": "Knee pain"}]
    actors = [p["actor"]["reference"] for p in resource["participant"]]
    assert actors == [f"Patient/{patient}", f"Practitioner/{doctor}", f"Location/{location}"]
    assert {p["status"] for p in resource["participant"]} == {"accepted"}
    missing = await other_tenant_client.get(f"{FHIR}/Appointment/{booked}")
    assert missing.status_code == 404
    assert missing.json()["issue"][0]["code"] == "not-found"
    OperationOutcome.model_validate(missing.json())
    assert (await _search(other_tenant_client, {"patient": patient}))["total"] == 0


async def test_a_cancelled_appointment_has_its_reason(client: Client) -> None:
    patient, doctor = await _patient(client), await _practitioner(client)
    booked = await _book(client, patient, doctor, _at(datetime.now(UTC).date() + timedelta(days=3), 9))
    cancelled = await client.post(f"{API}/appointments/{booked}/cancel", json={"reason": "pat"})
    assert cancelled.status_code == 200, cancelled.text
    resource = (await client.get(f"{FHIR}/Appointment/{booked}")).json()
    Appointment.model_validate(resource)
    assert resource["status"] == "cancelled"
    assert resource["cancelationReason"]["coding"][0]["code"] == "pat"
    assert "appointmentType" not in resource


async def test_search_filters_return_exactly_the_matching_appointments(client: Client) -> None:
    ada, bob = await _patient(client), await _patient(client)
    one, two = await _practitioner(client), await _practitioner(client)
    year = datetime.now(UTC).year + 1
    jan, feb = date(year, 1, 15), date(year, 2, 1)
    a1 = await _book(client, ada, one, _at(jan, 9))
    a2 = await _book(client, ada, two, _at(feb, 10))
    a3 = await _book(client, bob, one, _at(jan, 11))
    assert (await client.post(f"{API}/appointments/{a3}/cancel", json={"reason": "prov"})).status_code == 200
    cases: list[tuple[dict[str, Any] | list[tuple[str, str]], list[str]]] = [
        ({}, [a1, a3, a2]),
        ({"patient": f"Patient/{ada}"}, [a1, a2]),
        ({"patient": ada}, [a1, a2]),
        ({"patient": f"https://example.org/fhir/Patient/{ada}"}, [a1, a2]),
        ({"practitioner": f"Practitioner/{one}"}, [a1, a3]),
        ({"practitioner": two, "patient": bob}, []),
        ({"status": "booked"}, [a1, a2]),
        ({"status": "cancelled,noshow"}, [a3]),
        ({"status": "http://hl7.org/fhir/appointmentstatus|cancelled"}, [a3]),
        ({"date": f"{year}-01-15"}, [a1, a3]),
        ({"date": f"eq{year}-01"}, [a1, a3]),
        ({"date": f"ge{year}-02-01"}, [a2]),
        ({"date": f"gt{year}-01-15"}, [a2]),
        ({"date": f"le{year}-01-15"}, [a1, a3]),
        ({"date": f"lt{year}-01-15"}, []),
        ([("date", f"ge{year}-01-01"), ("date", f"lt{year}-02-01")], [a1, a3]),
        ([("date", f"ge{year}-01-15T10:00:00Z"), ("date", f"le{year}-02-01T10:00:00+00:00")], [a3, a2]),
        ({"date": f"gt{year}-01-15T09:00:00Z"}, [a3, a2]),
        ({"date": f"lt{year}-01-15T10:00:00+01:00"}, []),  # 09:00 UTC is not before itself
        ({"date": f"lt{year}-01-15T10:30:00+01:00"}, [a1]),
        ({"date": f"{year}", "patient": ada, "status": "booked"}, [a1, a2]),
    ]
    for params, expected in cases:
        bundle = await _search(client, params)
        assert _ids(bundle) == expected, params
        assert bundle["total"] == len(expected), params


async def test_paging_links(client: Client) -> None:
    patient, doctor = await _patient(client), await _practitioner(client)
    day = datetime.now(UTC).date() + timedelta(days=5)
    ids = {await _book(client, patient, doctor, _at(day, 8 + i)) for i in range(3)}
    first = await _search(client, {"patient": patient, "_count": "2"})
    assert first["total"] == 3
    links = {link["relation"]: link["url"] for link in first["link"]}
    second = await _search(client, dict(p.split("=") for p in links["next"].split("?")[1].split("&")))
    assert set(_ids(first)) | set(_ids(second)) == ids


async def test_bad_parameters_are_422_outcomes_naming_them(client: Client, api_key_client: Any) -> None:
    cases: list[tuple[dict[str, str], str]] = [
        ({"patient": "Practitioner/" + str(uuid4())}, "patient"),
        ({"patient": "not-an-id"}, "patient"),
        ({"practitioner": "Patient/x"}, "practitioner"),
        ({"date": "ne2026-01-01"}, "date"),
        ({"date": "sa2026-01-01"}, "date"),
        ({"date": "2026-13-01"}, "date"),
        ({"date": "2026-02-30"}, "date"),
        ({"date": "tomorrow"}, "date"),
        ({"date": "1800-01-01"}, "date"),
        ({"status": "done"}, "status"),
        ({"status": "urn:other|booked"}, "status"),
        ({"_count": "0"}, "_count"),
        ({"_count": "10", "_offset": "5"}, "_offset"),
    ]
    for params, name in cases:
        response = await client.get(f"{FHIR}/Appointment", params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"].startswith("application/fhir+json")
        document = response.json()
        OperationOutcome.model_validate(document)
        assert document["issue"][0]["code"] == "invalid"
        assert name in document["issue"][0]["diagnostics"], params
    no_access = await api_key_client("patients:read")
    forbidden = await no_access.get(f"{FHIR}/Appointment")
    assert forbidden.status_code == 403
    OperationOutcome.model_validate(forbidden.json())
