"""Health, readiness, request ids, OpenAPI, and the promise that logs hold no personal data."""

import json
import logging
import re
from typing import TypeAlias
from uuid import uuid4

import pytest
import structlog
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.entrypoints.http.app import create_app
from prm.entrypoints.logging import access_line, configure_logging
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


ACCESS_KEYS = ["method", "route", "status", "duration_ms", "event", "request_id", "level", "timestamp"]


async def test_the_json_access_line_has_exactly_its_keys(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(
        database_url=database_url,
        env="production",
        log_level="info",
        access_log=True,
        default_tenant_id=uuid4(),
        jwt_keys="k1:" + "s" * 40,
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        capsys.readouterr()
        await client.get("/health", headers={"X-Request-ID": "keys-1"})
        await client.get("/api/v1/prm/patients/mrn/MRN-SECRET-7")  # refused (no credentials), still logged
    output = capsys.readouterr().err
    access = [line for line in map(json.loads, output.splitlines()) if line["event"] == "http.request"]
    assert [list(line) for line in access] == [ACCESS_KEYS, ACCESS_KEYS]
    assert {k: access[0][k] for k in ("method", "route", "status", "request_id", "level")} == {
        "method": "GET",
        "route": "/health",
        "status": 200,
        "request_id": "keys-1",
        "level": "info",
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", access[0]["timestamp"])
    assert (access[1]["route"], access[1]["status"]) == ("/api/v1/prm/patients/mrn/{mrn}", 401)
    assert "MRN-SECRET-7" not in output


def test_the_fast_access_line_is_the_pipelines_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(Settings(env="production", log_level="info"))
    write = access_line()
    assert write is not None
    structlog.contextvars.bind_contextvars(request_id="same-1", email="someone@example.org")
    try:
        structlog.get_logger("prm.access").info(
            "http.request", method="POST", route="/api/v1/prm/patients", status=201, duration_ms=1.25
        )
        write("POST", "/api/v1/prm/patients", 201, 1.25)
    finally:
        structlog.contextvars.clear_contextvars()
    piped, fast = (json.loads(line) for line in capsys.readouterr().err.splitlines())
    assert list(fast) == list(piped)  # the same keys in the same order
    assert {**fast, "timestamp": None} == {**piped, "timestamp": None}
    assert fast["email"] == "[redacted]"


def test_the_access_line_follows_the_level_and_the_format(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(Settings(env="production", log_level="warning"))
    quiet = access_line()
    assert quiet is not None
    quiet("GET", "/health", 200, 0.5)
    assert capsys.readouterr().err == ""
    configure_logging(Settings(env="development", log_format="console"))
    assert access_line() is None  # console lines go through structlog's renderer
    configure_logging(Settings(env="test", log_level="warning"))
