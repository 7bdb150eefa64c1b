"""The OpenAPI document says what the API answers; the docs work offline; OPTIONS and CORS behave."""

from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.entrypoints.http.app import create_app
from prm.entrypoints.http.examples import REQUEST_EXAMPLES
from prm.entrypoints.http.openapi import openapi_document, package_version
from prm.entrypoints.http.problems import PROBLEM_JSON
from prm.settings import Settings
from tests.auth import CheapHashing, Client

P = "/api/v1/prm"
METHODS = ("get", "post", "put", "patch", "delete")


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


@pytest.fixture
def document(app: Litestar) -> dict[str, Any]:
    return openapi_document(app)


def test_every_operation_has_a_unique_operation_id(document: dict[str, Any]) -> None:
    ids = [op.get("operationId") for _, _, op in _operations(document)]
    assert all(ids)
    assert len(ids) == len(set(ids))
    assert "listPatients" in ids


def test_every_operation_documents_its_problem_answers(document: dict[str, Any]) -> None:
    for path, method, operation in _operations(document):
        wanted = {"400", "422"} | ({"401", "403"} if operation.get("security") != [] else set())
        if "requestBody" in operation:
            wanted.add("413")
        for status in wanted:
            content = operation["responses"].get(status, {}).get("content", {})
            fhir = path == f"{P}/fhir" or path.startswith(f"{P}/fhir/")
            media = "application/fhir+json" if fhir else PROBLEM_JSON  # OperationOutcome
            assert list(content) == [media], (method, path, status)


def test_protected_operations_declare_their_security(document: dict[str, Any]) -> None:
    public = {(p, m) for p, m, op in _operations(document) if op.get("security") == []}
    assert public == {
        ("/health", "get"),
        ("/ready", "get"),
        (f"{P}/auth/login", "post"),
        (f"{P}/auth/refresh", "post"),
        # providers' callbacks, verified by their signatures, and the patients' video-visit links
        (f"{P}/communications/webhooks/twilio/{{tenant_id}}/status", "post"),
        (f"{P}/communications/webhooks/twilio/{{tenant_id}}/inbound", "post"),
        (f"{P}/communications/webhooks/whatsapp/{{tenant_id}}", "get"),
        (f"{P}/communications/webhooks/whatsapp/{{tenant_id}}", "post"),
        (f"{P}/communications/virtual-visits/{{visit_id}}/join", "get"),
        (f"{P}/communications/virtual-visits/local-rooms/{{room}}", "get"),
        # the patients' survey links
        (f"{P}/surveys/respond/{{token}}", "get"),
        (f"{P}/fhir/metadata", "get"),  # FHIR's CapabilityStatement, read before authenticating
        (f"{P}/surveys/respond/{{token}}", "post"),
    }


def test_the_docs_own_routes_are_not_in_the_document(document: dict[str, Any]) -> None:
    assert not [path for path in document["paths"] if "/docs" in path]
    assert document["info"]["version"] == package_version() != "0.0.0"


def test_request_bodies_refuse_unknown_fields_as_the_decoder_does(document: dict[str, Any]) -> None:
    schema = document["components"]["schemas"]["CreatePatientRequest"]
    assert schema["additionalProperties"] is False
    given = document["components"]["schemas"]["NameBody"]["properties"]["given"]["items"]
    assert given["minLength"] == 1
    assert given["maxLength"] == 200
    assert "pattern" in given


async def test_the_docs_page_loads_its_assets_from_the_service(anonymous_client: Client) -> None:
    page = await anonymous_client.get(f"{P}/docs")
    assert page.status_code == 200
    assert "cdn." not in page.text
    assert "https://" not in page.text.replace("https://fonts", "")
    for asset in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert f"{P}/docs/assets/{asset}" in page.text
        served = await anonymous_client.get(f"{P}/docs/assets/{asset}")
        assert served.status_code == 200
        assert len(served.content) > 10_000
    assert (await anonymous_client.get(f"{P}/docs/openapi.json")).json()["openapi"].startswith("3.1")


async def test_options_lists_every_method_of_the_route(client: Client) -> None:
    response = await client.options(f"{P}/admin/api-keys")
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, OPTIONS, POST"
    assert "access-control-allow-origin" not in response.headers


async def test_no_origin_may_call_from_a_browser_by_default(client: Client) -> None:
    response = await client.options(
        f"{P}/patients", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    )
    assert response.status_code == 204
    assert "access-control-allow-origin" not in response.headers


async def test_configured_origins_get_cors_answers(settings: Settings) -> None:
    app = create_app(msgspec.structs.replace(settings, cors_origins="https://console.example.org"), CheapHashing())
    async with AsyncTestClient(app=app) as browser:
        preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
        allowed = await browser.options(f"{P}/patients", headers={"Origin": "https://console.example.org", **preflight})
        assert allowed.status_code == 204
        assert allowed.headers["access-control-allow-origin"] == "https://console.example.org"
        refused = await browser.options(f"{P}/patients", headers={"Origin": "https://evil.example", **preflight})
        assert "access-control-allow-origin" not in refused.headers


async def test_every_request_example_is_accepted(client: Client) -> None:
    patient = await client.post(f"{P}/patients", json={"name": {"family": "Example"}})
    ids = {"patient_id": patient.json()["id"]}
    for (method, path), body in REQUEST_EXAMPLES.items():
        url = path.format(**ids)
        response = await client.request(method, url, json=body)
        if url.endswith("/auth/login"):
            assert response.status_code == 401  # well formed; the password is a placeholder
        else:
            assert response.status_code < 300, (method, path, response.text)
