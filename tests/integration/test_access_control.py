"""Access control generated from the application's route table: the permission matrix and
tenant isolation for every route that takes an id (routes added later are covered too)."""

import re
import warnings
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeAlias
from uuid import uuid4

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.domain.identity.permissions import BUILTIN_ROLES
from prm.entrypoints.http.security import requirement

Client: TypeAlias = AsyncTestClient[Litestar]
API = "/api/v1/prm"
_PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")
API_KEY_PERMISSIONS = ("patients:read", "practitioners:read", "appointments:write")


def operations(app: Litestar) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(method, path template, opt)`` of every HTTP operation (HEAD/OPTIONS left out)."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            for method in sorted(getattr(handler, "http_methods", ())):
                if method not in {"HEAD", "OPTIONS"}:
                    yield method, route.path, handler.opt


def concrete(path: str, ids: dict[str, str] | None = None) -> str:
    def fill(match: re.Match[str]) -> str:
        name, kind = match.group(1), match.group(2)
        if ids and name in ids:
            return ids[name]
        return str(uuid4()) if kind == "uuid" else "x"

    return _PARAM.sub(fill, path)


async def call(client: Client, method: str, path: str) -> int:
    body: dict[str, Any] | None = {} if method in {"POST", "PUT", "PATCH"} else None
    response = await client.request(method, path, json=body)
    return response.status_code


def test_every_route_declares_a_permission_or_is_public(app: Litestar) -> None:
    undeclared = [f"{m} {p}" for m, p, opt in operations(app) if requirement(opt) is None]
    assert not undeclared, f"routes without opt permission/public (refused to everyone): {undeclared}"


async def test_permission_matrix(
    app: Litestar,
    client: Client,
    client_as: Callable[..., Awaitable[Client]],
    anonymous_client: Client,
    api_key_client: Callable[..., Awaitable[Client]],
) -> None:
    callers: dict[str, tuple[Client, frozenset[str] | None]] = {
        role: (await client_as(role), permissions) for role, permissions in BUILTIN_ROLES.items()
    }
    callers["api_key"] = (await api_key_client(*API_KEY_PERMISSIONS), frozenset(API_KEY_PERMISSIONS))
    wrong: list[str] = []
    for method, path, opt in operations(app):
        needed = requirement(opt)
        assert needed is not None, f"{method} {path} declares no permission"
        if method == "POST" and path.endswith(("/auth/login", "/auth/refresh", "/change-password", "/logout")):
            continue  # checked by the identity tests: calling them here would change sessions
        url = concrete(path)
        status = await call(anonymous_client, method, url)
        if (needed == "public") == (status == 401):
            wrong.append(f"anonymous {method} {path}: {status}")
        if needed == "public":
            continue
        for name, (caller, permissions) in callers.items():
            status = await call(caller, method, url)
            allowed = name != "api_key" if needed == "user" else permissions is not None and needed in permissions
            if allowed != (status not in {401, 403}) or (not allowed and status != 403):
                wrong.append(f"{name} {method} {path} ({needed}): {status}, expected {'allow' if allowed else 403}")
    assert not wrong, "\n".join(wrong)


async def _make_ids(client: Client) -> dict[str, str]:
    """One record of each kind in the client's tenant, by the path parameter that names it."""

    async def created(path: str, body: dict[str, Any]) -> str:
        response = await client.post(f"{API}{path}", json=body)
        assert response.status_code in {200, 201}, response.text
        return str(response.json()["id"])

    return {
        "patient_id": await created("/patients", {"name": {"family": "Isolated"}, "gender": "female"}),
        "practitioner_id": await created("/practitioners", {"first_name": "Ada", "last_name": "Isolated"}),
        "user_id": await created(
            "/admin/users",
            {"email": f"iso-{uuid4().hex[:6]}@example.org", "full_name": "Iso", "password": "a long enough pass"},
        ),
        "role_id": await created("/admin/roles", {"name": f"iso_{uuid4().hex[:6]}", "permissions": ["patients:read"]}),
        "key_id": await created("/admin/api-keys", {"name": "iso", "permissions": ["patients:read"]}),
    }


ID_FACTORIES_HINT = "add the parameter to _make_ids in tests/integration/test_access_control.py"


async def test_another_tenant_gets_404_for_every_id_and_never_sees_rows_in_lists(
    app: Litestar, client: Client, other_tenant_client: Client
) -> None:
    ids = await _make_ids(client)
    wrong: list[str] = []
    uncovered: list[str] = []
    for method, path, opt in operations(app):
        if requirement(opt) in {"public", "user"}:
            continue
        names = [m.group(1) for m in _PARAM.finditer(path) if m.group(2) == "uuid"]
        if not names:
            if method == "GET":
                text = (await other_tenant_client.get(concrete(path))).text
                wrong += [f"GET {path} shows {name} of the other tenant" for name, i in ids.items() if i in text]
            continue
        missing = [n for n in names if n not in ids]
        if missing:
            uncovered.append(f"{method} {path}: {missing}")
            continue
        status = await call(other_tenant_client, method, concrete(path, ids))
        if status != 404:
            wrong.append(f"{method} {path}: {status} for another tenant's id, expected 404")
    assert not wrong, "\n".join(wrong)
    assert (await client.get(f"{API}/patients/{ids['patient_id']}")).status_code == 200  # still there for A
    if uncovered:  # TODO(issue 4): make this an assertion once _make_ids creates appointment records
        warnings.warn(f"routes not covered ({ID_FACTORIES_HINT}): {uncovered}", stacklevel=1)


@pytest.mark.parametrize("header", ["Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "Bearer "])
async def test_bad_credentials_are_401(anonymous_client: Client, header: str) -> None:
    response = await anonymous_client.get(f"{API}/patients", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    response = await anonymous_client.get(f"{API}/patients", headers={"X-API-Key": "prm_ak_unknown"})
    assert response.status_code == 401


async def test_openapi_shows_the_security_schemes_and_each_permission(client: Client) -> None:
    schema = (await client.get(f"{API}/docs/openapi.json")).json()
    assert set(schema["components"]["securitySchemes"]) == {"BearerToken", "ApiKey"}
    operation = schema["paths"][f"{API}/patients/{{patient_id}}"]["get"]
    assert "`patients:read`" in operation["description"]
    assert operation["security"] == [{"BearerToken": []}, {"ApiKey": []}]
    assert schema["paths"][f"{API}/auth/login"]["post"]["security"] == []
