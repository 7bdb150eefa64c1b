"""FHIR R4 Task (tickets) read and search on SQLite and PostgreSQL, validated with the R4B models:
the status and priority mappings, the filters, tenancy, audit and bad parameters."""

from typing import Any, TypeAlias
from uuid import uuid4

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.task import Task
from litestar import Litestar
from litestar.testing import AsyncTestClient

API = "/api/v1/prm"
FHIR = f"{API}/fhir"
Client: TypeAlias = AsyncTestClient[Litestar]


async def _patient(client: Client) -> str:
    response = await client.post(f"{API}/patients", json={"name": {"family": "Ticketed"}, "gender": "female"})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _ticket(client: Client, patient: str, **more: Any) -> str:
    response = await client.post(f"{API}/tickets", json={"patient_id": patient, "title": "Refill", **more})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _move(client: Client, ticket: str, *steps: dict[str, str]) -> None:
    for step in steps:
        response = await client.patch(f"{API}/tickets/{ticket}", json=step)
        assert response.status_code == 200, response.text


async def _search(client: Client, params: dict[str, str]) -> list[str]:
    response = await client.get(f"{FHIR}/Task", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle: dict[str, Any] = response.json()
    Bundle.model_validate(bundle)
    for entry in bundle.get("entry", []):
        Task.model_validate(entry["resource"])
    ids = [e["resource"]["id"] for e in bundle.get("entry", [])]
    assert bundle["total"] == len(ids), params
    return ids


async def test_read_maps_status_priority_and_patient(client: Client, other_tenant_client: Client) -> None:
    patient = await _patient(client)
    ticket = await _ticket(
        client, patient, description="Needs medication X", priority="urgent", category="Prescription"
    )
    response = await client.get(f"{FHIR}/Task/{ticket}")
    assert response.status_code == 200, response.text
    resource = response.json()
    Task.model_validate(resource)
    assert (resource["status"], resource["intent"], resource["priority"]) == ("ready", "order", "stat")
    assert resource["businessStatus"]["coding"][0]["code"] == "open"
    assert resource["for"] == {"reference": f"Patient/{patient}"}
    assert resource["code"]["coding"][0]["code"] == "prescription"
    assert resource["description"] == "Refill"
    assert resource["note"] == [{"text": "Needs medication X"}]
    assert "end" not in resource["executionPeriod"]
    assert "end" in resource["restriction"]["period"]
    await _move(client, ticket, {"status": "resolved", "resolution_notes": "Sent"})
    done = (await client.get(f"{FHIR}/Task/{ticket}")).json()
    Task.model_validate(done)
    assert done["status"] == "completed"
    assert "end" in done["executionPeriod"]
    missing = await other_tenant_client.get(f"{FHIR}/Task/{ticket}")
    assert missing.status_code == 404
    OperationOutcome.model_validate(missing.json())
    assert await _search(other_tenant_client, {"patient": patient}) == []
    events = await client.get(f"{API}/audit/events", params={"entity_id": ticket, "action": "read"})
    assert events.json()["total"] == 2


async def test_search_filters(client: Client) -> None:
    ada, bob = await _patient(client), await _patient(client)
    t1 = await _ticket(client, ada, priority="low")
    t2 = await _ticket(client, ada, priority="high")
    t3 = await _ticket(client, bob)
    t4 = await _ticket(client, bob, priority="high")
    await _move(client, t2, {"status": "in_progress"})
    await _move(client, t3, {"status": "resolved", "resolution_notes": "ok"})
    await _move(client, t4, {"status": "resolved", "resolution_notes": "ok"}, {"status": "closed"})
    cases: list[tuple[dict[str, str], list[str]]] = [
        ({}, [t4, t3, t2, t1]),
        ({"patient": f"Patient/{ada}"}, [t2, t1]),
        ({"patient": bob}, [t4, t3]),
        ({"status": "ready"}, [t1]),
        ({"status": "in-progress,ready"}, [t2, t1]),
        ({"status": "completed"}, [t4, t3]),
        ({"status": "http://hl7.org/fhir/task-status|completed", "patient": bob}, [t4, t3]),
        ({"status": "cancelled"}, []),
        ({"business-status": "closed"}, [t4]),
        ({"business-status": "resolved", "status": "completed"}, [t3]),
        ({"business-status": "open", "status": "completed"}, []),
        ({"priority": "asap"}, [t4, t2]),
        ({"priority": "routine", "patient": ada}, [t1]),
    ]
    for params, expected in cases:
        assert await _search(client, params) == expected, params


async def test_bad_parameters_are_422_outcomes(client: Client, api_key_client: Any) -> None:
    for params, name in (
        ({"patient": f"Practitioner/{uuid4()}"}, "patient"),
        ({"status": "done"}, "status"),
        ({"business-status": "ready"}, "business-status"),
        ({"priority": "low"}, "priority"),
        ({"priority": "asap,stat"}, "priority"),
        ({"_count": "101"}, "_count"),
    ):
        response = await client.get(f"{FHIR}/Task", params=params)
        assert response.status_code == 422, (params, response.text)
        document = response.json()
        OperationOutcome.model_validate(document)
        assert name in document["issue"][0]["diagnostics"], params
    forbidden = await (await api_key_client("patients:read")).get(f"{FHIR}/Task")
    assert forbidden.status_code == 403
    OperationOutcome.model_validate(forbidden.json())
