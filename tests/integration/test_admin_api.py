"""The admin API (users, roles, API keys), the audit API's filters, and login edge cases."""

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import create_async_engine

from prm.adapters.sql.identity_tables import api_keys, tenants
from prm.settings import Settings
from tests.auth import PASSWORD, create_tenant, create_user, log_in
from tests.conftest import ClientFactory

Client: TypeAlias = AsyncTestClient[Litestar]
API = "/api/v1/prm"
USERS = f"{API}/admin/users"
ROLES = f"{API}/admin/roles"
KEYS = f"{API}/admin/api-keys"
NEW_PASSWORD = "a perfectly fine passphrase"


def new_user(**overrides: Any) -> dict[str, Any]:
    return {
        "email": f"user-{uuid4().hex[:8]}@example.org",
        "full_name": "Ada Admin",
        "password": NEW_PASSWORD,
        "roles": ["front_desk"],
        **overrides,
    }


async def _sql(settings: Settings, statement: Any) -> list[Any]:
    engine = create_async_engine(settings.database_url)
    try:
        async with engine.begin() as connection:
            result = await connection.execute(statement)
            return list(result) if result.returns_rows else []
    finally:
        await engine.dispose()


# users


async def test_an_admin_creates_lists_gets_updates_and_deactivates_users(
    client: Client, anonymous_client: Client
) -> None:
    body = new_user(email="Nurse.Joy@Example.org")
    created = await client.post(USERS, json=body)
    assert created.status_code == 201, created.text
    user = created.json()
    assert (user["email"], user["roles"], user["is_active"]) == ("Nurse.Joy@example.org", ["front_desk"], True)
    assert "password" not in created.text
    assert NEW_PASSWORD not in created.text
    assert (await client.get(f"{USERS}/{user['id']}")).json()["id"] == user["id"]

    listed = (await client.get(USERS, params={"page_size": 100})).json()
    assert {"items", "total", "page", "page_size", "has_next", "has_previous"} <= listed.keys()
    assert user["id"] in {u["id"] for u in listed["items"]}

    await log_in(anonymous_client, "nurse.joy@example.org", NEW_PASSWORD)  # any case
    assert (await anonymous_client.get(f"{API}/audit/events")).status_code == 403

    patched = await client.patch(f"{USERS}/{user['id']}", json={"roles": ["auditor"], "full_name": "Joy"})
    assert patched.status_code == 200, patched.text
    assert (patched.json()["roles"], patched.json()["full_name"]) == (["auditor"], "Joy")
    session = await anonymous_client.post(f"{API}/auth/login", json={"email": body["email"], "password": NEW_PASSWORD})
    assert "audit:read" in session.json()["user"]["permissions"]  # the new role applies from the next token

    assert (await client.delete(f"{USERS}/{user['id']}")).status_code == 204
    assert (await client.get(f"{USERS}/{user['id']}")).json()["is_active"] is False
    refused = await anonymous_client.post(f"{API}/auth/login", json={"email": body["email"], "password": NEW_PASSWORD})
    assert refused.status_code == 401
    again = await anonymous_client.post(f"{API}/auth/refresh", json={"refresh": session.json()["refresh"]})
    assert again.status_code == 401  # deactivation closed its sessions


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short pass", "at least 12"),
        ("password1234", "common"),
        ("PASSWORD1234", "common"),
        ("aaaaaaaaaaaaaaaa", "common"),
        ("weak.pass@example.org", "email"),
    ],
)
async def test_the_password_policy_is_enforced_with_422(client: Client, password: str, why: str) -> None:
    response = await client.post(USERS, json=new_user(email="weak.pass@example.org", password=password))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert why in problem["detail"]
    assert problem["code"] == "identity.weak_password"
    if why != "email":  # the admin's own email differs
        changed = await client.post(
            f"{API}/auth/change-password", json={"current_password": PASSWORD, "new_password": password}
        )
        assert changed.status_code == 422


async def test_emails_are_unique_per_tenant_whatever_the_case(client: Client, other_tenant_client: Client) -> None:
    first = await client.post(USERS, json=new_user(email="dup@example.org"))
    assert first.status_code == 201
    duplicate = await client.post(USERS, json=new_user(email="DUP@Example.ORG"))
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "identity.duplicate_email"
    other = await client.post(USERS, json=new_user(email="other@example.org"))
    renamed = await client.patch(f"{USERS}/{other.json()['id']}", json={"email": "Dup@example.org"})
    assert renamed.status_code == 409
    assert (await other_tenant_client.post(USERS, json=new_user(email="dup@example.org"))).status_code == 201


async def test_bad_user_input_is_422_naming_the_field(client: Client) -> None:
    unknown_role = await client.post(USERS, json=new_user(roles=["wizard"]))
    assert unknown_role.status_code == 422
    assert "wizard" in unknown_role.json()["detail"]
    bad_email = await client.post(USERS, json=new_user(email="not-an-email"))
    assert bad_email.status_code == 422
    extra = await client.post(USERS, json={**new_user(), "is_superuser": True})
    assert extra.status_code in {400, 422}


async def test_an_admin_cannot_lock_itself_out(client: Client) -> None:
    me = (await client.get(f"{API}/auth/me")).json()
    assert (await client.delete(f"{USERS}/{me['id']}")).status_code == 409
    assert (await client.patch(f"{USERS}/{me['id']}", json={"is_active": False})).status_code == 409
    assert (await client.patch(f"{USERS}/{me['id']}", json={"roles": ["auditor"]})).status_code == 409
    assert (await client.get(f"{API}/auth/me")).status_code == 200


async def test_an_admin_resets_a_password_and_the_old_one_stops_working(
    settings: Settings, tenant_id: UUID, client: Client, anonymous_client: Client
) -> None:
    email = await create_user(settings, tenant_id, ["front_desk"])
    user_id = (await log_in(anonymous_client, email))["user"]["id"]
    assert (await client.patch(f"{USERS}/{user_id}", json={"password": "password1234"})).status_code == 422
    assert (await client.patch(f"{USERS}/{user_id}", json={"password": NEW_PASSWORD})).status_code == 200
    old = await anonymous_client.post(f"{API}/auth/login", json={"email": email, "password": PASSWORD})
    assert old.status_code == 401
    await log_in(anonymous_client, email, NEW_PASSWORD)


# roles


async def test_custom_roles_crud_and_their_permissions_reach_the_token(
    client: Client, anonymous_client: Client
) -> None:
    listed = (await client.get(ROLES)).json()
    builtin = {r["name"] for r in listed if r["builtin"]}
    assert builtin == {"admin", "care_coordinator", "front_desk", "practitioner", "integration", "auditor"}

    created = await client.post(
        ROLES, json={"name": "night_nurse", "description": "Nights", "permissions": ["patients:read"]}
    )
    assert created.status_code == 201, created.text
    role = created.json()
    assert (role["name"], role["permissions"], role["builtin"]) == ("night_nurse", ["patients:read"], False)
    assert (await client.get(f"{ROLES}/{role['id']}")).json()["name"] == "night_nurse"

    user = (await client.post(USERS, json=new_user(roles=["night_nurse"]))).json()
    session = await log_in(anonymous_client, user["email"], NEW_PASSWORD)
    assert session["user"]["permissions"] == ["patients:read"]
    assert (await anonymous_client.get(f"{API}/patients")).status_code == 200
    assert (await anonymous_client.post(f"{API}/patients", json={"name": {"family": "X"}})).status_code == 403

    patched = await client.patch(f"{ROLES}/{role['id']}", json={"permissions": ["patients:read", "patients:write"]})
    assert patched.status_code == 200, patched.text
    assert patched.json()["permissions"] == ["patients:read", "patients:write"]
    session = await log_in(anonymous_client, user["email"], NEW_PASSWORD)
    assert session["user"]["permissions"] == ["patients:read", "patients:write"]

    in_use = await client.delete(f"{ROLES}/{role['id']}")
    assert in_use.status_code == 409
    assert in_use.json()["code"] == "identity.role_in_use"
    assert (await client.patch(f"{USERS}/{user['id']}", json={"roles": ["front_desk"]})).status_code == 200
    assert (await client.delete(f"{ROLES}/{role['id']}")).status_code == 204
    assert (await client.get(f"{ROLES}/{role['id']}")).status_code == 404


async def test_built_in_roles_are_fixed_and_names_are_unique(client: Client) -> None:
    admin = next(r for r in (await client.get(ROLES)).json() if r["name"] == "admin")
    assert (await client.get(f"{ROLES}/{admin['id']}")).json()["builtin"] is True
    assert (await client.patch(f"{ROLES}/{admin['id']}", json={"permissions": []})).status_code == 403
    assert (await client.delete(f"{ROLES}/{admin['id']}")).status_code == 403
    taken = await client.post(ROLES, json={"name": "auditor", "permissions": []})
    assert taken.status_code == 409
    assert (await client.post(ROLES, json={"name": "clerk", "permissions": []})).status_code == 201
    assert (await client.post(ROLES, json={"name": "Clerk", "permissions": []})).status_code == 409
    unknown = await client.post(ROLES, json={"name": "spy", "permissions": ["audit:write"]})
    assert unknown.status_code == 422
    assert (await client.post(ROLES, json={"name": "Bad Name!", "permissions": []})).status_code == 422


async def test_roles_and_users_of_another_tenant_are_404(client: Client, other_tenant_client: Client) -> None:
    role = (await client.post(ROLES, json={"name": "clerk", "permissions": []})).json()
    user = (await client.post(USERS, json=new_user())).json()
    for path in (f"{ROLES}/{role['id']}", f"{USERS}/{user['id']}"):
        assert (await other_tenant_client.get(path)).status_code == 404
        assert (await other_tenant_client.delete(path)).status_code == 404
    assert role["id"] not in {r["id"] for r in (await other_tenant_client.get(ROLES)).json()}
    assert (await other_tenant_client.post(ROLES, json={"name": "clerk", "permissions": []})).status_code == 201


# API keys


async def test_api_keys_are_shown_once_stored_hashed_scoped_and_revocable(
    settings: Settings, client: Client, make_client: ClientFactory
) -> None:
    created = await client.post(KEYS, json={"name": "lab", "permissions": ["patients:read"]})
    assert created.status_code == 201, created.text
    key = created.json()
    secret = key["key"]
    assert secret.startswith("prm_ak_")
    assert secret.startswith(key["prefix"])
    assert (key["is_active"], key["last_used_at"], key["permissions"]) == (True, None, ["patients:read"])

    listed = await client.get(KEYS)
    assert secret not in listed.text
    assert "key" not in listed.json()[0]
    rows = await _sql(settings, sa.select(api_keys.c.key_hash).where(api_keys.c.id == UUID(key["id"])))
    assert rows == [(hashlib.sha256(secret.encode()).hexdigest(),)]

    lab: Client = await make_client(roles=None)
    lab.headers["X-API-Key"] = secret
    assert (await lab.get(f"{API}/patients")).status_code == 200
    forbidden = await lab.post(f"{API}/patients", json={"name": {"family": "Lab"}})
    assert forbidden.status_code == 403
    assert "patients:write" in forbidden.json()["detail"]
    assert (await lab.get(f"{API}/auth/me")).status_code == 403  # users only
    used = next(k for k in (await client.get(KEYS)).json() if k["id"] == key["id"])
    assert used["last_used_at"] is not None

    assert (await client.delete(f"{KEYS}/{key['id']}")).status_code == 204
    assert (await client.delete(f"{KEYS}/{key['id']}")).status_code == 204  # idempotent
    assert (await lab.get(f"{API}/patients")).status_code == 401
    revoked = next(k for k in (await client.get(KEYS)).json() if k["id"] == key["id"])
    assert (revoked["is_active"], revoked["revoked_at"] is not None) == (False, True)


async def test_api_key_input_is_checked_and_keys_are_tenant_scoped(client: Client, other_tenant_client: Client) -> None:
    assert (await client.post(KEYS, json={"name": "x", "permissions": ["patients:destroy"]})).status_code == 422
    assert (await client.post(KEYS, json={"name": "", "permissions": []})).status_code in {400, 422}
    key = (await client.post(KEYS, json={"name": "his", "permissions": ["patients:write"]})).json()
    assert (await other_tenant_client.delete(f"{KEYS}/{key['id']}")).status_code == 404
    assert key["id"] not in {k["id"] for k in (await other_tenant_client.get(KEYS)).json()}
    assert (await client.delete(f"{KEYS}/{uuid4()}")).status_code == 404


async def test_admin_changes_are_audited_by_field_name_only(client: Client) -> None:
    me = (await client.get(f"{API}/auth/me")).json()
    user = (await client.post(USERS, json=new_user())).json()
    await client.patch(
        f"{USERS}/{user['id']}", json={"full_name": "Secret Name", "password": "another fine passphrase"}
    )
    role = (await client.post(ROLES, json={"name": "clerk", "permissions": []})).json()
    key = (await client.post(KEYS, json={"name": "lab", "permissions": []})).json()
    await client.delete(f"{KEYS}/{key['id']}")
    response = await client.get(f"{API}/audit/events", params={"actor": me["id"], "page_size": 100})
    assert "Secret Name" not in response.text
    assert "another fine passphrase" not in response.text
    seen = {
        (e["action"], e["entity_type"], e["entity_id"], tuple(e["changed_fields"])) for e in response.json()["items"]
    }
    assert {
        ("create", "user", user["id"], ()),
        ("update", "user", user["id"], ("full_name", "password_hash")),
        ("create", "role", role["id"], ()),
        ("create", "api_key", key["id"], ()),
        ("delete", "api_key", key["id"], ("revoked_at",)),
    } <= seen


# the audit API


async def test_audit_events_filter_by_actor_entity_action_and_time_and_paginate(client: Client, client_as: Any) -> None:
    front_desk = await client_as("front_desk")
    desk_id = (await front_desk.get(f"{API}/auth/me")).json()["id"]
    ids = []
    for family in ("Ames", "Bell", "Cole"):
        created = await front_desk.post(f"{API}/patients", json={"name": {"family": family}})
        ids.append(created.json()["id"])
    await front_desk.patch(f"{API}/patients/{ids[0]}", json={"name": {"family": "Amesbury"}})
    await front_desk.get(f"{API}/patients/{ids[1]}")
    assert (await front_desk.get(f"{API}/audit/events")).status_code == 403
    auditor = await client_as("auditor")

    async def events(**params: Any) -> dict[str, Any]:
        response = await auditor.get(f"{API}/audit/events", params=params)
        assert response.status_code == 200, response.text
        return dict(response.json())

    by_actor = await events(actor=desk_id, page_size=100)
    assert by_actor["total"] == 5
    assert [e["action"] for e in by_actor["items"]] == ["read", "update", "create", "create", "create"]  # newest first
    assert all(e["actor_type"] == "user" and e["actor_id"] == desk_id for e in by_actor["items"])
    assert "Amesbury" not in str(by_actor)
    update = (await events(actor=desk_id, action="update"))["items"]
    assert [(e["entity_id"], e["changed_fields"]) for e in update] == [(ids[0], ["name"])]
    assert (await events(entity_type="patient", entity_id=ids[1]))["total"] == 2
    assert (await events(entity_type="practitioner", actor=desk_id))["total"] == 0

    first = await events(actor=desk_id, page_size=2)
    second = await events(actor=desk_id, page_size=2, page=2)
    last = await events(actor=desk_id, page_size=2, page=3)
    assert (first["has_next"], first["has_previous"], last["has_next"], last["has_previous"]) == (
        True,
        False,
        False,
        True,
    )
    paged = [e["id"] for p in (first, second, last) for e in p["items"]]
    assert paged == [e["id"] for e in by_actor["items"]]

    newest = by_actor["items"][0]["occurred_at"]
    assert (await events(actor=desk_id, since=newest))["total"] == 1
    assert (await events(actor=desk_id, until=newest))["total"] == 4
    hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert (await events(actor=desk_id, since=hour_ago))["total"] == 5
    assert (await events(actor=desk_id, until=hour_ago))["total"] == 0
    empty = await auditor.get(f"{API}/audit/events", params={"since": newest, "until": hour_ago})
    assert empty.status_code == 422
    malformed = await auditor.get(f"{API}/audit/events", params={"since": "yesterday"})
    assert malformed.status_code == 422
    assert "since" in malformed.text


async def test_the_audit_trail_is_per_tenant(client: Client, other_tenant_client: Client) -> None:
    await client.post(f"{API}/patients", json={"name": {"family": "Mine"}})
    theirs = (await other_tenant_client.get(f"{API}/audit/events", params={"entity_type": "patient"})).json()
    assert theirs["total"] == 0


# logging in


async def test_inactive_users_and_tenants_cannot_log_in(
    settings: Settings, tenant_id: UUID, client: Client, anonymous_client: Client, api_key_client: Any
) -> None:
    email = await create_user(settings, tenant_id, ["front_desk"])
    session = await log_in(anonymous_client, email)
    integration: Client = await api_key_client("patients:read")
    await _sql(settings, sa.update(tenants).where(tenants.c.id == tenant_id).values(is_active=False))
    refused = await anonymous_client.post(f"{API}/auth/login", json={"email": email, "password": PASSWORD})
    assert refused.status_code == 401
    assert (await anonymous_client.post(f"{API}/auth/refresh", json={"refresh": session["refresh"]})).status_code == 401
    assert (await integration.get(f"{API}/patients")).status_code == 401
    await _sql(settings, sa.update(tenants).where(tenants.c.id == tenant_id).values(is_active=True))
    await log_in(anonymous_client, email)


async def test_an_email_in_two_tenants_logs_in_with_the_tenant_slug(
    settings: Settings, client: Client, anonymous_client: Client
) -> None:
    email = f"shared-{uuid4().hex[:8]}@example.org"
    first = await create_tenant(settings, slug=f"a-{uuid4().hex[:8]}")
    second_slug = f"b-{uuid4().hex[:8]}"
    second = await create_tenant(settings, slug=second_slug)
    await create_user(settings, first, ["front_desk"], email=email)
    await create_user(settings, second, ["auditor"], email=email)
    ambiguous = await anonymous_client.post(f"{API}/auth/login", json={"email": email, "password": PASSWORD})
    assert ambiguous.status_code == 401
    assert "tenant" in ambiguous.json()["detail"]
    chosen = await anonymous_client.post(
        f"{API}/auth/login", json={"email": email, "password": PASSWORD, "tenant": second_slug.upper()}
    )
    assert chosen.status_code == 200, chosen.text
    assert (chosen.json()["user"]["tenant_id"], chosen.json()["user"]["roles"]) == (str(second), ["auditor"])
    wrong = await anonymous_client.post(
        f"{API}/auth/login", json={"email": email, "password": PASSWORD, "tenant": "no-such-tenant"}
    )
    assert wrong.status_code == 401
