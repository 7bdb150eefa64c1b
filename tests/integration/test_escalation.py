"""The escalation matrix: a delegated administrator never gets more than it holds.

For every permission a role can hold (generated from ``PERMISSIONS``: a new permission is covered
without a change here), a user whose only role holds just that permission, and an API key with
just that permission, try every escalation of the admin API: make itself or another user admin,
take over or remove an admin, mint a stronger API key, strengthen its own role, create a stronger
role, take a stronger role. Each attempt must be refused (403, or 409 for the last admin), and
afterwards the tenant's users, roles and keys must be exactly as before. The positive tests show
that the rules leave an admin, and a delegate acting within its own permissions, their work.
"""

import asyncio
from datetime import UTC, datetime
from typing import Any, TypeAlias
from uuid import uuid4

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.application.identity.ports import UserRepository
from prm.application.shared.ports import UnitOfWork
from prm.domain.identity.permissions import PERMISSIONS
from prm.entrypoints.library import Prm
from prm.settings import Settings
from tests.auth import PASSWORD, CheapHashing, create_tenant, create_user, log_in
from tests.conftest import ClientFactory

Client: TypeAlias = AsyncTestClient[Litestar]
API = "/api/v1/prm"
USERS = f"{API}/admin/users"
ROLES = f"{API}/admin/roles"
KEYS = f"{API}/admin/api-keys"
NEW_PASSWORD = "a perfectly fine passphrase"
ALL = sorted(PERMISSIONS)


def role_name(permission: str) -> str:
    return "only_" + permission.replace(":", "_")


def other_than(permission: str) -> str:
    return next(p for p in ALL if p != permission)


def new_user(**overrides: Any) -> dict[str, Any]:
    return {
        "email": f"new-{uuid4().hex[:10]}@example.org",
        "full_name": "New User",
        "password": NEW_PASSWORD,
        "roles": [],
        **overrides,
    }


async def ok(response: Any, *statuses: int) -> Any:
    assert response.status_code in (statuses or (200, 201)), response.text
    return response.json() if response.content else None


async def snapshot(admin: Client) -> dict[str, Any]:
    """What an escalation would change: every user, role and API key of the tenant."""
    users = (await ok(await admin.get(USERS, params={"page_size": 100})))["items"]
    roles = await ok(await admin.get(ROLES))
    keys = await ok(await admin.get(KEYS))
    return {
        "users": sorted((u["id"], u["email"], tuple(u["roles"]), u["is_active"], u["updated_at"]) for u in users),
        "roles": sorted((r["id"], r["name"], tuple(r["permissions"]), r["description"]) for r in roles),
        "keys": sorted((k["id"], tuple(k["permissions"]), k["is_active"]) for k in keys),
    }


async def user_id(admin: Client, email: str) -> str:
    users = (await ok(await admin.get(USERS, params={"page_size": 100})))["items"]
    return str(next(u["id"] for u in users if u["email"] == email))


def attempts(
    permission: str, *, me: str | None, own_role: str, own_role_id: str, stronger_role: str, victim: str, admin: str
) -> list[tuple[str, str, str, dict[str, Any] | None]]:
    """``(what, method, path, body)`` of every escalation open to a caller holding ``permission``
    (``me``: the caller's own user id, ``None`` for an API key)."""
    more = sorted({permission, other_than(permission)})
    cases: list[tuple[str, str, str, dict[str, Any] | None]] = []
    if me is not None:
        cases += [
            ("grant itself admin", "PATCH", f"{USERS}/{me}", {"roles": [own_role, "admin"]}),
            ("take a stronger built-in role", "PATCH", f"{USERS}/{me}", {"roles": [own_role, "front_desk"]}),
            ("take a stronger role of the tenant", "PATCH", f"{USERS}/{me}", {"roles": [own_role, stronger_role]}),
        ]
    cases += [
        ("grant another user admin", "PATCH", f"{USERS}/{victim}", {"roles": ["admin"]}),
        ("give another user a stronger role", "PATCH", f"{USERS}/{victim}", {"roles": [stronger_role]}),
        ("create an admin", "POST", USERS, new_user(roles=["admin"])),
        ("create a user with a stronger role", "POST", USERS, new_user(roles=[stronger_role])),
        ("reset the admin's password", "PATCH", f"{USERS}/{admin}", {"password": NEW_PASSWORD}),
        ("change the admin's email", "PATCH", f"{USERS}/{admin}", {"email": f"mine-{uuid4().hex[:6]}@example.org"}),
        ("demote the admin", "PATCH", f"{USERS}/{admin}", {"roles": [own_role]}),
        ("deactivate the admin", "PATCH", f"{USERS}/{admin}", {"is_active": False}),
        ("delete the admin", "DELETE", f"{USERS}/{admin}", None),
        ("mint an all-powerful API key", "POST", KEYS, {"name": "grab", "permissions": ALL}),
        ("mint a stronger API key", "POST", KEYS, {"name": "grab", "permissions": more}),
        ("add permissions to its own role", "PATCH", f"{ROLES}/{own_role_id}", {"permissions": more}),
        ("make its own role all-powerful", "PATCH", f"{ROLES}/{own_role_id}", {"permissions": ALL}),
        ("create a stronger role", "POST", ROLES, {"name": f"grab_{uuid4().hex[:6]}", "permissions": more}),
    ]
    return cases


@pytest.mark.parametrize("permission", ALL)
async def test_a_holder_of_one_permission_escalates_nowhere(
    settings: Settings, tenant_id: Any, client: Client, make_client: ClientFactory, permission: str
) -> None:
    admin = client
    own = await ok(await admin.post(ROLES, json={"name": role_name(permission), "permissions": [permission]}))
    stronger = await ok(
        await admin.post(ROLES, json={"name": "stronger", "permissions": sorted({permission, other_than(permission)})})
    )
    admin_email = await create_user(settings, tenant_id, ["admin"])  # a second admin: "last admin" is no excuse
    admin_id = await user_id(admin, admin_email)
    victim = await ok(await admin.post(USERS, json=new_user(roles=["auditor"])))
    holder: Client = await make_client(roles=(own["name"],))
    holder_id = (await ok(await holder.get(f"{API}/auth/me")))["id"]
    key: Client = await make_client(api_key=[permission])
    before = await snapshot(admin)

    accepted: list[str] = []
    for caller, me in ((holder, holder_id), (key, None)):
        for what, method, path, body in attempts(
            permission,
            me=me,
            own_role=own["name"],
            own_role_id=own["id"],
            stronger_role=stronger["name"],
            victim=victim["id"],
            admin=admin_id,
        ):
            response = await caller.request(method, path, json=body)
            if response.status_code not in {403, 409}:
                accepted.append(f"{'user' if me else 'API key'} with {permission}: {what}: {response.status_code}")
    assert not accepted, "\n".join(accepted)

    assert await snapshot(admin) == before
    assert (await admin.get(f"{API}/auth/me")).status_code == 200  # no admin token was ended
    await log_in(await make_client(roles=None), admin_email, PASSWORD)  # the second admin's password stands
    assert (await ok(await holder.get(f"{API}/auth/me")))["permissions"] == [permission]


async def test_an_admin_still_does_all_of_it(
    settings: Settings, tenant_id: Any, client: Client, make_client: ClientFactory
) -> None:
    admin = client
    me = (await ok(await admin.get(f"{API}/auth/me")))["id"]
    other_admin_email = await create_user(settings, tenant_id, ["admin"])
    other_admin = await user_id(admin, other_admin_email)
    victim = await ok(await admin.post(USERS, json=new_user(roles=["auditor"])))
    await ok(await admin.patch(f"{USERS}/{victim['id']}", json={"roles": ["admin"]}))
    await ok(await admin.post(USERS, json=new_user(roles=["admin"])))
    await ok(await admin.patch(f"{USERS}/{other_admin}", json={"password": NEW_PASSWORD, "full_name": "Renamed"}))
    await log_in(await make_client(roles=None), other_admin_email, NEW_PASSWORD)
    await ok(await admin.delete(f"{USERS}/{other_admin}"), 204)
    key = await ok(await admin.post(KEYS, json={"name": "all", "permissions": ALL}))
    assert key["permissions"] == ALL
    role = await ok(await admin.post(ROLES, json={"name": "clerk", "permissions": ["patients:read"]}))
    await ok(await admin.patch(f"{ROLES}/{role['id']}", json={"permissions": ALL}))
    refresh = (await log_in(admin, (await ok(await admin.get(f"{API}/auth/me")))["email"]))["refresh"]
    await ok(await admin.patch(f"{USERS}/{me}", json={"roles": ["admin", "clerk"]}))
    assert (await admin.get(f"{API}/auth/me")).status_code == 401  # its own role change ended its token too
    renewed = await ok(await admin.post(f"{API}/auth/refresh", json={"refresh": refresh}))
    assert renewed["user"]["roles"] == ["admin", "clerk"]


async def test_a_delegate_still_grants_what_it_holds(client: Client, make_client: ClientFactory) -> None:
    admin = client
    await ok(
        await admin.post(
            ROLES, json={"name": "user_manager", "permissions": ["users:read", "users:write", "patients:read"]}
        )
    )
    await ok(await admin.post(ROLES, json={"name": "reader", "permissions": ["patients:read"]}))
    manager: Client = await make_client(roles=("user_manager",))
    created = await ok(await manager.post(USERS, json=new_user(roles=["reader"])))
    assert created["roles"] == ["reader"]
    await ok(await manager.patch(f"{USERS}/{created['id']}", json={"full_name": "Renamed", "password": NEW_PASSWORD}))
    refused = await manager.post(USERS, json=new_user(roles=["front_desk"]))
    assert (refused.status_code, refused.json()["code"]) == (403, "identity.grant_exceeds_own")
    admin_only = await manager.post(USERS, json=new_user(roles=["admin"]))
    assert (admin_only.status_code, admin_only.json()["code"]) == (403, "identity.admin_only")
    await ok(await manager.delete(f"{USERS}/{created['id']}"), 204)

    keys: Client = await make_client(api_key=["api_keys:write", "roles:write", "patients:read"])
    key = await ok(await keys.post(KEYS, json={"name": "reader", "permissions": ["patients:read"]}))
    assert key["permissions"] == ["patients:read"]
    role = await ok(await keys.post(ROLES, json={"name": "reader_too", "permissions": ["patients:read"]}))
    await ok(await keys.patch(f"{ROLES}/{role['id']}", json={"description": "Reads", "permissions": []}))
    stronger = await keys.post(KEYS, json={"name": "writer", "permissions": ["patients:write"]})
    assert (stronger.status_code, stronger.json()["code"]) == (403, "identity.grant_exceeds_own")


async def test_the_last_active_admin_stays_whoever_asks(
    settings: Settings, tenant_id: Any, client: Client, make_client: ClientFactory
) -> None:
    admin = client
    admin_id = (await ok(await admin.get(f"{API}/auth/me")))["id"]
    await ok(await admin.post(ROLES, json={"name": "superuser", "permissions": ALL}))
    superuser: Client = await make_client(roles=("superuser",))
    all_powerful_key: Client = await make_client(api_key=ALL)
    for caller in (superuser, all_powerful_key):
        for method, body in (("PATCH", {"is_active": False}), ("PATCH", {"roles": ["superuser"]}), ("DELETE", None)):
            response = await caller.request(method, f"{USERS}/{admin_id}", json=body)
            assert (response.status_code, response.json()["code"]) == (409, "identity.last_admin"), response.text
    assert (await admin.get(f"{API}/auth/me")).status_code == 200

    second = await create_user(settings, tenant_id, ["admin"])
    await ok(await superuser.delete(f"{USERS}/{admin_id}"), 204)  # no longer the last one
    last = await user_id(superuser, second)
    refused = await all_powerful_key.patch(f"{USERS}/{last}", json={"roles": []})
    assert (refused.status_code, refused.json()["code"]) == (409, "identity.last_admin")


@pytest.mark.postgresql_only
async def test_concurrent_demotions_cannot_both_count_the_other_admin(_postgres_url: str) -> None:  # noqa: PT019
    """The admin count locks the admins' rows: a second count waits for the first change to commit."""
    settings = Settings(database_url=_postgres_url, env="test", access_log=False, log_level="warning")
    tenant = await create_tenant(settings)
    for _ in range(2):
        await create_user(settings, tenant, ["admin"])
    async with (
        Prm.open(settings, tenant_id=tenant, providers=(CheapHashing(),)) as prm,
        prm.unit() as first,
        prm.unit() as second,
    ):
        users, racing = await first.get(UserRepository), await second.get(UserRepository)
        admins = await users.lock_active_holders("admin")
        assert len(admins) == 2
        counted = asyncio.create_task(racing.lock_active_holders("admin"))
        await asyncio.sleep(0.3)
        assert not counted.done()  # blocked on the first unit's row locks
        demoted = await users.get(admins[0])
        assert demoted is not None
        demoted.revise(datetime.now(UTC), roles=())
        await users.save(demoted)
        await (await first.get(UnitOfWork)).commit()
        assert await asyncio.wait_for(counted, 5) == [admins[1]]  # sees the committed demotion
