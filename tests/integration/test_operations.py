"""Health, readiness, request ids, OpenAPI, and the promise that logs hold no personal data."""

import json
import logging
from typing import TypeAlias
from uuid import uuid4

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.entrypoints.http.app import create_app
from prm.settings import Settings
from tests.auth import PASSWORD, CheapHashing, create_tenant, create_user, log_in

Client: TypeAlias = AsyncTestClient[Litestar]


async def test_health_and_ready(client: Client) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}
    assert (await client.get("/ready")).json() == {"status": "ready"}


async def test_ready_is_503_when_the_database_is_unreachable() -> None:
    settings = Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none", env="test", log_level="error")
    async with AsyncTestClient(app=create_app(settings)) as client:
        response = await client.get("/ready")
        assert response.status_code == 503
        assert (await client.get("/health")).status_code == 200


async def test_request_id_is_echoed_or_generated(client: Client) -> None:
    response = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    generated = (await client.get("/health")).headers["x-request-id"]
    assert len(generated) == 32
    unsafe = await client.get("/health", headers={"X-Request-ID": "x" * 300})
    assert unsafe.headers["x-request-id"] != "x" * 300
    problem = (await client.get("/api/v1/prm/patients/not-a-route/deeper", headers={"X-Request-ID": "r-9"})).json()
    assert (problem["status"], problem["request_id"]) == (404, "r-9")


async def test_openapi_schema_and_docs_page(client: Client) -> None:
    schema = (await client.get("/api/v1/prm/docs/openapi.json")).json()
    assert schema["openapi"].startswith("3.1")
    assert "/api/v1/prm/patients/{patient_id}" in schema["paths"]
    assert "/api/v1/prm/practitioners" in schema["paths"]
    page = await client.get("/api/v1/prm/docs")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]


@pytest.mark.parametrize("json_logs", [True, False])
async def test_logs_carry_the_request_id_and_no_personal_data(
    database_url: str, capsys: pytest.CaptureFixture[str], json_logs: bool
) -> None:
    settings = Settings(
        database_url=database_url,
        env="production" if json_logs else "development",
        log_level="debug",
        access_log=True,
        default_tenant_id=uuid4(),
        jwt_keys="k1:" + "s" * 40,
    )
    secrets = ["Wilhelmina", "Quackenbush", "1977-07-14", "6174923500", "wq@example.org", "Elm Street", "MRN-SECRET"]
    async with AsyncTestClient(app=create_app(settings, CheapHashing())) as client:
        await create_tenant(settings, settings.default_tenant_id)
        session = await log_in(client, await create_user(settings, settings.default_tenant_id, ["admin"]))
        secrets += [PASSWORD, session["access"], session["refresh"]]
        response = await client.post(
            "/api/v1/prm/patients",
            headers={"X-Request-ID": "trace-1"},
            json={
                "name": {"given": ["Wilhelmina"], "family": "Quackenbush"},
                "birth_date": "1977-07-14",
                "phone": "+1 617 492 3500",
                "email": "wq@example.org",
                "mrn": "MRN-SECRET",
                "addresses": [{"line": ["12 Elm Street"]}],
            },
        )
        assert response.status_code == 201
        await client.get("/api/v1/prm/patients", params={"search": "Quackenbush"})
        await client.get("/api/v1/prm/patients/search", params={"query": "6174923500", "type": "phone"})
        await client.get("/api/v1/prm/patients/mrn/MRN-SECRET")
        await client.post("/api/v1/prm/patients", json={"name": {"given": ["Wilhelmina"]}, "phone": "12"})
    logging.shutdown()
    output = capsys.readouterr().err
    assert "patient.registered" in output
    assert "trace-1" in output
    for secret in secrets:
        assert secret not in output
    if json_logs:
        lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
        assert any(line.get("request_id") == "trace-1" and line["event"] == "http.request" for line in lines)
