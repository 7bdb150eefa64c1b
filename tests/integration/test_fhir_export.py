"""FHIR Bulk Data export (issue 14) on SQLite and PostgreSQL: kick-off, polling, the manifest and
the NDJSON downloads (every line validated with the R4B models), counts equal to the tenant's
records, another tenant's 404, bad parameters as 400 OperationOutcomes, ``_since``, file splitting,
cancel and expiry."""

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeAlias
from uuid import UUID, uuid4

import pytest
from dishka import Provider, Scope, provide
from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.application.fhir_export.ports import ExportLimits
from prm.entrypoints.http.app import create_app
from prm.settings import Settings
from tests.auth import CheapHashing, PerTestLoginThrottle
from tests.integration.clock_support import MovableClock, UseClock
from tests.integration.integrations_support import run_job

API = "/api/v1/prm"
FHIR = f"{API}/fhir"
ASYNC = {"Prefer": "respond-async", "Accept": "application/fhir+json"}
MODELS: dict[str, Any] = {"Patient": Patient, "Practitioner": Practitioner, "Appointment": Appointment}
Client: TypeAlias = AsyncTestClient[Litestar]


class SmallFiles(Provider):
    """Pages of 2 and files of 3 resources, to see pages and parts without thousands of records."""

    @provide(scope=Scope.APP, override=True)
    def limits(self) -> ExportLimits:
        return ExportLimits(page_size=2, file_size=3)


@pytest.fixture
def settings(database_url: str, tenant_id: UUID, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        env="test",
        default_tenant_id=tenant_id,
        access_log=False,
        log_level="warning",
        worker="off",
        state_dir=str(tmp_path),
    )


@pytest.fixture
async def app(settings: Settings) -> Litestar:
    return create_app(settings, CheapHashing(), PerTestLoginThrottle(), SmallFiles())


async def _patient(client: Client, family: str = "Export") -> str:
    body = {"name": {"given": ["Ann"], "family": family}, "gender": "female", "mrn": f"EXP-{uuid4().hex[:10]}"}
    response = await client.post(f"{API}/patients", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _practitioner(client: Client) -> str:
    response = await client.post(
        f"{API}/practitioners", json={"first_name": "Ada", "last_name": f"Exp{uuid4().hex[:6]}"}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _kick_off(client: Client, path: str = "/$export", **params: str) -> str:
    response = await client.get(f"{FHIR}{path}", params=params, headers=ASYNC)
    assert response.status_code == 202, response.text
    OperationOutcome.model_validate(response.json())
    location = response.headers["content-location"]
    assert location.startswith("http")
    assert "/fhir/$export-status/" in location
    return location[location.index(FHIR) :]


async def _run(settings: Settings, tenant_id: UUID, status_url: str, *providers: Provider) -> None:
    await run_job(
        settings, tenant_id, "fhir_export.run", {"export_id": status_url.rsplit("/", 1)[1]}, (SmallFiles(), *providers)
    )


async def _manifest(client: Client, status_url: str) -> dict[str, Any]:
    response = await client.get(status_url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


async def _lines(client: Client, url: str) -> list[dict[str, Any]]:
    response = await client.get(url[url.index(FHIR) :])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+ndjson")
    text = response.text
    assert text.endswith("\n")
    resources = [json.loads(line) for line in text.splitlines()]
    for resource in resources:
        MODELS[resource["resourceType"]].model_validate(resource)
    return resources


def _outcome(response: Any, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    OperationOutcome.model_validate(response.json())
    assert words in response.json()["issue"][0]["diagnostics"]


async def test_kick_off_poll_manifest_and_download(
    client: Client, other_tenant_client: Client, settings: Settings, tenant_id: UUID
) -> None:
    patients = {await _patient(client) for _ in range(5)}
    practitioners = {await _practitioner(client) for _ in range(2)}
    await _patient(other_tenant_client)
    status_url = await _kick_off(client, _type="Patient,Practitioner")

    waiting = await client.get(status_url)
    assert waiting.status_code == 202, waiting.text
    assert waiting.headers["x-progress"] == "queued"
    assert int(waiting.headers["retry-after"]) > 0
    await _run(settings, tenant_id, status_url)

    manifest = await _manifest(client, status_url)
    assert manifest["requiresAccessToken"] is True
    assert manifest["error"] == []
    assert manifest["request"].endswith("/fhir/$export?_type=Patient%2CPractitioner")
    assert datetime.fromisoformat(manifest["transactionTime"]).tzinfo is not None
    outputs = [(o["type"], o["count"], o["url"].rsplit("/", 1)[1]) for o in manifest["output"]]
    assert outputs == [
        ("Patient", 3, "Patient.ndjson"),
        ("Patient", 2, "Patient-2.ndjson"),
        ("Practitioner", 2, "Practitioner.ndjson"),
    ]
    exported: dict[str, set[str]] = {"Patient": set(), "Practitioner": set()}
    for output in manifest["output"]:
        resources = await _lines(client, output["url"])
        assert len(resources) == output["count"]
        exported[output["type"]] |= {r["id"] for r in resources if r["resourceType"] == output["type"]}
    assert exported == {"Patient": patients, "Practitioner": practitioners}

    file_url = manifest["output"][0]["url"]
    assert (await other_tenant_client.get(status_url)).status_code == 404
    _outcome(await other_tenant_client.get(file_url[file_url.index(FHIR) :]), 404, "not found")
    _outcome(await client.get(f"{status_url.replace('status', 'files')}/Location.ndjson"), 404, "no file")
    assert (await client.get(f"{status_url.replace('status', 'files')}/..%2Fsecret")).status_code in {400, 404}


async def test_bad_parameters_are_400_operation_outcomes(client: Client) -> None:
    _outcome(await client.get(f"{FHIR}/$export", params={"_type": "Patient,Foo"}, headers=ASYNC), 400, "Foo")
    _outcome(await client.get(f"{FHIR}/$export", params={"_type": "Patient;DROP"}, headers=ASYNC), 400, "_type")
    _outcome(
        await client.get(f"{FHIR}/Patient/$export", params={"_type": "Practitioner"}, headers=ASYNC),
        400,
        "Practitioner",
    )
    _outcome(await client.get(f"{FHIR}/$export", params={"_since": "2026-01-01"}, headers=ASYNC), 400, "_since")
    _outcome(await client.get(f"{FHIR}/$export", params={"_since": "2026-01-01T00:00:00"}, headers=ASYNC), 400, "zone")
    _outcome(
        await client.get(f"{FHIR}/$export", params={"_outputFormat": "text/csv"}, headers=ASYNC), 400, "_outputFormat"
    )
    _outcome(await client.get(f"{FHIR}/$export"), 422, "Prefer")
    _outcome(await client.get(f"{FHIR}/$export", headers={"Prefer": "return=minimal"}), 422, "Prefer")
    _outcome(await client.get(f"{FHIR}/$export-status/{uuid4()}"), 404, "not found")


async def test_patient_export_and_since(client: Client, settings: Settings, tenant_id: UUID) -> None:
    await _patient(client)
    await _practitioner(client)
    await asyncio.sleep(0.01)
    since = datetime.now(UTC)
    await asyncio.sleep(0.01)
    changed = await _patient(client)
    status_url = await _kick_off(client, "/Patient/$export", _since=since.isoformat().replace("+00:00", "Z"))
    await _run(settings, tenant_id, status_url)
    manifest = await _manifest(client, status_url)
    assert [(o["type"], o["count"]) for o in manifest["output"]] == [("Patient", 1)]
    assert [r["id"] for r in await _lines(client, manifest["output"][0]["url"])] == [changed]


async def test_patient_export_has_the_patient_compartment(client: Client, settings: Settings, tenant_id: UUID) -> None:
    patient, practitioner = await _patient(client), await _practitioner(client)
    starts = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
    body = {
        "patient_id": patient,
        "practitioner_id": practitioner,
        "start_time": starts.isoformat(),
        "end_time": (starts + timedelta(minutes=30)).isoformat(),
    }
    booked = await client.post(f"{API}/appointments", json=body)
    assert booked.status_code == 201, booked.text
    status_url = await _kick_off(client, "/Patient/$export")
    await _run(settings, tenant_id, status_url)
    manifest = await _manifest(client, status_url)
    assert [(o["type"], o["count"]) for o in manifest["output"]] == [("Patient", 1), ("Appointment", 1)]
    [appointment] = await _lines(client, manifest["output"][1]["url"])
    assert appointment["id"] == booked.json()["id"]


async def test_cancel_deletes_the_export_and_its_files(client: Client, settings: Settings, tenant_id: UUID) -> None:
    await _patient(client)
    status_url = await _kick_off(client)
    cancelled = await client.delete(status_url)
    assert cancelled.status_code == 202, cancelled.text
    await _run(settings, tenant_id, status_url)
    _outcome(await client.get(status_url), 404, "not found")
    _outcome(await client.delete(status_url), 404, "not found")

    finished = await _kick_off(client)
    await _run(settings, tenant_id, finished)
    folder = Path(settings.state_dir) / "fhir-exports" / str(tenant_id) / finished.rsplit("/", 1)[1]
    assert sorted(p.name for p in folder.iterdir()) == ["Patient.ndjson"]
    assert (await client.delete(finished)).status_code == 202
    assert not folder.exists()


async def test_files_expire_after_their_retention(client: Client, settings: Settings, tenant_id: UUID) -> None:
    await _patient(client)
    status_url = await _kick_off(client)
    await _run(settings, tenant_id, status_url)
    export_id = status_url.rsplit("/", 1)[1]
    folder = Path(settings.state_dir) / "fhir-exports" / str(tenant_id) / export_id
    await run_job(settings, tenant_id, "fhir_export.expire", {"export_id": export_id})
    assert folder.exists()  # not yet: kept for 24 hours
    later = UseClock(MovableClock(timedelta(hours=24, minutes=1)))
    await run_job(settings, tenant_id, "fhir_export.expire", {"export_id": export_id}, (later,))
    assert not folder.exists()
    _outcome(await client.get(status_url), 410, "expired")
