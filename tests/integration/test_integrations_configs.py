"""Integration configurations end to end, on SQLite and on PostgreSQL: secrets are write-only,
one configuration per source system, optimistic concurrency, permissions and tenant isolation."""

from collections.abc import Awaitable, Callable
from typing import Any, TypeAlias

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.integrations_support import CONFIGS

Client: TypeAlias = AsyncTestClient[Litestar]


def config_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "HIS Integration",
        "source_system": "his",
        "description": "Hospital Information System",
        "api_url": "https://his.hospital.sa/api/",
        "secrets": {"api_key": "secret_key_here"},
        "is_active": True,
        "settings": {"timeout": 30, "retry_attempts": 3},
    }
    body.update(overrides)
    return body


async def test_a_configuration_never_answers_its_secrets(client: Client) -> None:
    response = await client.post(CONFIGS, json=config_body())
    assert response.status_code == 201, response.text
    config = response.json()
    assert "secrets" not in config
    assert "secret_key_here" not in response.text
    assert (config["secret_names"], config["rate_limit_per_hour"], config["version"]) == (["api_key"], 1000, 1)
    assert response.headers["etag"] == 'W/"1"'
    fetched = await client.get(f"{CONFIGS}/{config['id']}")
    assert "secret_key_here" not in fetched.text
    listed = await client.get(CONFIGS)
    assert [c["id"] for c in listed.json()["items"]] == [config["id"]]
    assert "secret_key_here" not in listed.text


async def test_one_configuration_per_source_system(client: Client) -> None:
    assert (await client.post(CONFIGS, json=config_body())).status_code == 201
    again = await client.post(CONFIGS, json=config_body(name="Another", source_system="HIS"))
    assert (again.status_code, again.json()["code"]) == (409, "integrations.duplicate_source_system")
    lab = (await client.post(CONFIGS, json=config_body(source_system="lab"))).json()
    moved = await client.patch(f"{CONFIGS}/{lab['id']}", json={"source_system": "his"})
    assert (moved.status_code, moved.json()["code"]) == (409, "integrations.duplicate_source_system")


async def test_patch_changes_what_is_given_and_merges_secrets(client: Client) -> None:
    config = (await client.post(CONFIGS, json=config_body())).json()
    response = await client.patch(
        f"{CONFIGS}/{config['id']}",
        json={"rate_limit_per_hour": 50, "secrets": {"api_key": None, "token": "t-1"}, "description": None},
        headers={"If-Match": 'W/"1"'},
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert (changed["rate_limit_per_hour"], changed["secret_names"], changed["description"]) == (50, ["token"], None)
    assert (changed["version"], changed["name"]) == (2, "HIS Integration")
    stale = await client.patch(f"{CONFIGS}/{config['id']}", json={"name": "X"}, headers={"If-Match": 'W/"1"'})
    assert stale.status_code == 409
    nothing = await client.patch(f"{CONFIGS}/{config['id']}", json={"rate_limit_per_hour": 50})
    assert nothing.json()["version"] == 2


async def test_bad_fields_are_422_naming_them(client: Client) -> None:
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({"api_url": "ftp://his.example/"}, ["body", "api_url"]),
        ({"rate_limit_per_hour": 0}, ["body", "rate_limit_per_hour"]),
        ({"source_system": "his system"}, ["body", "source_system"]),
        ({"secrets": {"api_key": 42}}, ["body", "secrets"]),
        ({"settings": []}, ["body", "settings"]),
    ]
    for overrides, loc in cases:
        response = await client.post(CONFIGS, json=config_body(**overrides))
        assert response.status_code == 422, (overrides, response.text)
        assert response.json()["errors"][0]["loc"] == loc, overrides


async def test_delete_removes_it_for_good(client: Client) -> None:
    config = (await client.post(CONFIGS, json=config_body())).json()
    stale = await client.delete(f"{CONFIGS}/{config['id']}", headers={"If-Match": 'W/"7"'})
    assert stale.status_code == 409
    assert (await client.delete(f"{CONFIGS}/{config['id']}")).status_code == 204
    assert (await client.get(f"{CONFIGS}/{config['id']}")).status_code == 404
    assert (await client.delete(f"{CONFIGS}/{config['id']}")).status_code == 404


async def test_configurations_need_integrations_permissions(
    client: Client, api_key_client: Callable[..., Awaitable[Client]], client_as: Callable[..., Awaitable[Client]]
) -> None:
    config = (await client.post(CONFIGS, json=config_body())).json()
    reader = await client_as("integration")  # the built-in role reads configurations only
    assert (await reader.get(f"{CONFIGS}/{config['id']}")).status_code == 200
    assert (await reader.post(CONFIGS, json=config_body(source_system="lab"))).status_code == 403
    sender = await api_key_client("integration_events:write")
    assert (await sender.get(CONFIGS)).status_code == 403


async def test_another_tenant_cannot_see_or_change_a_configuration(client: Client, other_tenant_client: Client) -> None:
    config = (await client.post(CONFIGS, json=config_body())).json()
    url = f"{CONFIGS}/{config['id']}"
    assert (await other_tenant_client.get(url)).status_code == 404
    assert (await other_tenant_client.patch(url, json={"name": "Mine"})).status_code == 404
    assert (await other_tenant_client.delete(url)).status_code == 404
    assert (await other_tenant_client.get(CONFIGS)).json()["total"] == 0
    assert (await other_tenant_client.post(CONFIGS, json=config_body())).status_code == 201  # its own "his"
