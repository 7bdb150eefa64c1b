"""``GET /patients/{id}/export`` as JSON, CSV and PDF, on SQLite and on PostgreSQL."""

import csv
import io
from typing import Any, TypeAlias
from uuid import uuid4

from litestar import Litestar
from litestar.testing import AsyncTestClient

API = "/api/v1/prm"
Client: TypeAlias = AsyncTestClient[Litestar]


async def _patient_with_tickets(client: Client) -> dict[str, Any]:
    created = await client.post(
        f"{API}/patients",
        json={
            "name": {"given": ["Zoë"], "family": "Ågren"},
            "mrn": f"EXP-{uuid4().hex[:8]}",
            "birth_date": "1970-03-04",
            "phone": "+16174923500",
        },
    )
    assert created.status_code == 201, created.text
    patient: dict[str, Any] = created.json()
    for title in ("Refill request", "Billing question"):
        ticket = await client.post(f"{API}/tickets", json={"patient_id": patient["id"], "title": title})
        assert ticket.status_code == 201, ticket.text
    return patient


async def test_json_export_holds_demographics_and_every_section(client: Client) -> None:
    patient = await _patient_with_tickets(client)
    response = await client.get(f"{API}/patients/{patient['id']}/export", params={"format": "json"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["content-disposition"].startswith(f'attachment; filename="patient-{patient["mrn"]}-')
    document = response.json()
    assert document["mrn"] == patient["mrn"]
    assert document["demographics"]["name"] == "Zoë Ågren"
    assert document["demographics"]["birth_date"] == "1970-03-04"
    assert document["demographics"]["phones"] == "+16174923500"
    assert {row["title"] for row in document["tickets"]["rows"]} == {"Refill request", "Billing question"}
    assert document["tickets"]["truncated"] is False
    for section in ("appointments", "journeys", "communications"):
        assert document[section] == {"rows": [], "truncated": False}


async def test_csv_export_is_one_long_table(client: Client) -> None:
    patient = await _patient_with_tickets(client)
    response = await client.get(f"{API}/patients/{patient['id']}/export", params={"format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert rows[0] == ["section", "row", "field", "value"]
    assert ["demographics", "0", "mrn", patient["mrn"]] in rows
    titles = {r[3] for r in rows if r[0] == "tickets" and r[2] == "title"}
    assert titles == {"Refill request", "Billing question"}
    assert {r[1] for r in rows if r[0] == "tickets"} == {"1", "2"}


async def test_pdf_export_is_a_pdf_document(client: Client) -> None:
    patient = await _patient_with_tickets(client)
    response = await client.get(f"{API}/patients/{patient['id']}/export", params={"format": "pdf"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response.content.rstrip().endswith(b"%%EOF")
    assert b"/Type /Page" in response.content
    assert b"Patient record " + patient["mrn"].encode() in response.content  # the document's title


async def test_export_is_audited_and_unknown_or_bad_requests_are_refused(client: Client) -> None:
    patient = await _patient_with_tickets(client)
    assert (await client.get(f"{API}/patients/{patient['id']}/export")).status_code == 200
    events = await client.get(f"{API}/audit/events", params={"entity_id": patient["id"], "action": "export"})
    assert events.status_code == 200, events.text
    assert events.json()["total"] == 1
    unknown = await client.get(f"{API}/patients/{uuid4()}/export")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "patients.not_found")
    bad = await client.get(f"{API}/patients/{patient['id']}/export", params={"format": "docx"})
    assert bad.status_code == 400 or bad.status_code == 422
    assert "format" in bad.text
