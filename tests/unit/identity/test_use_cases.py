"""The identity use cases against fakes: escalations refused with nothing changed, revocations
recorded with the change and published only after the commit."""

from typing import Any

import pytest

from prm.application.identity.create_api_key import CreateApiKey
from prm.application.identity.create_role import CreateRole
from prm.application.identity.create_user import CreateUser, CreateUserCommand
from prm.application.identity.deactivate_user import DeactivateUser
from prm.application.identity.logout import Logout
from prm.application.identity.ports import RefreshRecord
from prm.application.identity.update_role import UpdateRole
from prm.application.identity.update_user import UpdateUser, UpdateUserCommand
from prm.application.shared.context import RequestContext
from prm.domain.identity.errors import AdminOnly, CannotLockOutYourself, GrantExceedsOwn, LastAdmin
from prm.domain.identity.model import User
from prm.domain.identity.permissions import PERMISSIONS
from prm.domain.shared.ids import new_id
from tests.unit.identity.conftest import NOW, TENANT, World
from tests.unit.identity.fakes import CountingSecrets, InMemoryApiKeys


def update_user(world: World, context: RequestContext) -> UpdateUser:
    return UpdateUser(
        world.users,
        world.roles,
        world.hasher,
        world.refresh_tokens,
        world.revocations,
        world.grants(context),
        world.audit,
        world.uow,
        world.clock,
        context,
    )


def deactivate_user(world: World, context: RequestContext) -> DeactivateUser:
    return DeactivateUser(
        world.users,
        world.refresh_tokens,
        world.revocations,
        world.grants(context),
        world.audit,
        world.uow,
        world.clock,
        context,
    )


async def assert_unchanged(world: World, user: User) -> None:
    stored = await world.users.get(user.id)
    assert stored is not None
    assert (stored.roles, stored.is_active, stored.password_hash, stored.email, stored.token_generation) == (
        user.roles,
        user.is_active,
        user.password_hash,
        user.email,
        user.token_generation,
    )


def assert_nothing_happened(world: World) -> None:
    assert world.uow.commits == 0
    assert world.revocations.recorded == []
    assert world.revoked.applied == []
    assert world.audit.events == []


ESCALATIONS: list[tuple[str, dict[str, Any]]] = [
    ("self", {"roles": ["user_manager", "admin"]}),
    ("self", {"roles": ["user_manager", "front_desk"]}),
    ("other", {"roles": ["admin"]}),
    ("admin", {"password": "a brand new passphrase"}),
    ("admin", {"email": "mine@example.org"}),
    ("admin", {"is_active": False}),
    ("admin", {"roles": ["auditor"]}),
    ("admin", {"full_name": "Renamed"}),
]


@pytest.mark.parametrize(("target", "changes"), ESCALATIONS)
async def test_a_user_manager_escalates_through_no_user_update(
    world: World, target: str, changes: dict[str, Any]
) -> None:
    await world.role("user_manager", {"users:read", "users:write"})
    manager = await world.user("user_manager")
    other = await world.user()
    admin = await world.user("admin")
    victim = {"self": manager, "other": other, "admin": admin}[target]
    with pytest.raises((AdminOnly, GrantExceedsOwn)):
        await update_user(world, await world.as_user(manager))(UpdateUserCommand(user_id=victim.id, changes=changes))
    for user in (manager, other, admin):
        await assert_unchanged(world, user)
    assert_nothing_happened(world)


async def test_nobody_but_an_admin_deactivates_an_admin(world: World) -> None:
    admin = await world.user("admin")
    await world.user("admin")
    for permissions in (frozenset({"users:write"}), PERMISSIONS - {"audit:read"}):
        with pytest.raises(AdminOnly):
            await deactivate_user(world, world.context(None, permissions, api_key=True))(admin.id)
    await assert_unchanged(world, admin)
    assert_nothing_happened(world)
    await deactivate_user(world, world.context(None, PERMISSIONS, api_key=True))(admin.id)
    stored = await world.users.get(admin.id)
    assert stored is not None
    assert not stored.is_active


async def test_the_last_admin_is_kept_even_by_the_system(world: World) -> None:
    admin = await world.user("admin")
    await world.user("admin", active=False)
    with pytest.raises(LastAdmin):
        await deactivate_user(world, world.context())(admin.id)
    for changes in ({"is_active": False}, {"roles": ["auditor"]}):
        with pytest.raises(LastAdmin):
            await update_user(world, world.context())(UpdateUserCommand(user_id=admin.id, changes=changes))
    await assert_unchanged(world, admin)
    assert_nothing_happened(world)


async def test_an_admin_still_cannot_lock_itself_out(world: World) -> None:
    admin = await world.user("admin")
    await world.user("admin")
    context = await world.as_user(admin)
    with pytest.raises(CannotLockOutYourself):
        await deactivate_user(world, context)(admin.id)
    with pytest.raises(CannotLockOutYourself):
        await update_user(world, context)(UpdateUserCommand(user_id=admin.id, changes={"roles": ["auditor"]}))


async def test_a_role_change_ends_the_users_tokens_after_the_commit(world: World) -> None:
    admin = await world.user("admin")
    desk = await world.user("front_desk")
    updated = await update_user(world, await world.as_user(admin))(
        UpdateUserCommand(user_id=desk.id, changes={"roles": ["auditor"], "full_name": "Desk"})
    )
    assert updated.token_generation == desk.token_generation + 1
    [revocation] = world.revocations.recorded
    assert (revocation.user_id, revocation.generation, revocation.session_id) == (desk.id, 2, None)
    assert world.revoked.applied == [revocation]  # published (the fake checks: after the commit)
    assert world.uow.commits == 1
    assert world.refresh_tokens.rows == {}  # sessions stay: a refresh gets the new roles


async def test_a_name_change_ends_no_token(world: World) -> None:
    admin = await world.user("admin")
    desk = await world.user("front_desk")
    await update_user(world, await world.as_user(admin))(UpdateUserCommand(user_id=desk.id, changes={"full_name": "D"}))
    assert world.revocations.recorded == []
    assert world.uow.commits == 1


async def test_deactivating_revokes_sessions_and_tokens(world: World) -> None:
    admin = await world.user("admin")
    desk = await world.user("front_desk")
    family = new_id()
    record = RefreshRecord(
        id=new_id(),
        family_id=family,
        tenant_id=TENANT,
        user_id=desk.id,
        token_hash="h",
        issued_at=NOW,
        expires_at=NOW,
    )
    await world.refresh_tokens.add(record)
    await deactivate_user(world, await world.as_user(admin))(desk.id)
    assert world.refresh_tokens.rows[record.id].revoked_at == NOW
    assert [(r.user_id, r.generation) for r in world.revoked.applied] == [(desk.id, 2)]


async def test_a_user_manager_creates_users_within_its_own_permissions(world: World) -> None:
    await world.role("user_manager", {"users:write", "patients:read"})
    await world.role("reader", {"patients:read"})
    manager = await world.user("user_manager")
    context = await world.as_user(manager)
    create = CreateUser(
        world.users, world.roles, world.hasher, world.audit, world.uow, world.clock, context, world.grants(context)
    )

    def command(*roles: str) -> CreateUserCommand:
        return CreateUserCommand(
            email=f"n-{new_id().hex[-12:]}@example.org",
            full_name="New",
            password="a long enough passphrase",
            roles=roles,
        )

    created = await create(command("reader"))
    assert created.roles == ("reader",)
    for roles, error in (
        (("admin",), AdminOnly),
        (("front_desk",), GrantExceedsOwn),
        (("reader", "auditor"), GrantExceedsOwn),
    ):
        with pytest.raises(error):
            await create(command(*roles))
    assert world.uow.commits == 1


async def test_api_keys_and_roles_hold_no_more_than_their_maker(world: World) -> None:
    maker = world.context(None, {"api_keys:write", "roles:write", "patients:read"}, api_key=True)
    keys = CreateApiKey(
        InMemoryApiKeys(), CountingSecrets(), world.audit, world.uow, world.clock, maker, world.grants(maker)
    )
    assert (await keys("lab", ["patients:read"])).key.permissions == {"patients:read"}
    with pytest.raises(GrantExceedsOwn):
        await keys("lab", ["patients:read", "patients:write"])
    roles = CreateRole(world.roles, world.audit, world.uow, world.clock, maker, world.grants(maker))
    await roles("reader", "", ["patients:read"])
    with pytest.raises(GrantExceedsOwn):
        await roles("writer", "", ["patients:write"])
    assert world.uow.commits == 2


async def test_a_roles_new_permissions_must_be_held_and_end_its_holders_tokens(world: World) -> None:
    role = await world.role("clerk", {"patients:read"})
    holder = await world.user("clerk")
    bystander = await world.user("front_desk")
    weak = world.context(None, {"roles:write", "patients:read"}, api_key=True)

    def update(context: RequestContext) -> UpdateRole:
        return UpdateRole(
            world.roles,
            world.users,
            world.revocations,
            world.grants(context),
            world.audit,
            world.uow,
            world.clock,
            TENANT,
        )

    with pytest.raises(GrantExceedsOwn):
        await update(weak)(role.id, permissions=["patients:read", "patients:write"])
    assert_nothing_happened(world)
    await update(weak)(role.id, description="Clerks")  # no permission change: nothing to hold, no token ended
    assert world.revocations.recorded == []
    await update(world.context())(role.id, permissions=["patients:read", "patients:write"])
    assert [(r.user_id, r.generation) for r in world.revoked.applied] == [(holder.id, 2)]
    stored = await world.users.get(bystander.id)
    assert stored is not None
    assert stored.token_generation == 1


async def test_logout_revokes_the_session_of_its_refresh_token_only(world: World) -> None:
    desk = await world.user("front_desk")
    secrets = CountingSecrets()
    mine, other = new_id(), new_id()
    for family, secret in ((mine, "prm_rt_a"), (other, "prm_rt_b")):
        await world.refresh_tokens.add(
            RefreshRecord(
                id=new_id(),
                family_id=family,
                tenant_id=TENANT,
                user_id=desk.id,
                token_hash=secrets.digest(secret),
                issued_at=NOW,
                expires_at=NOW,
            )
        )
    context = await world.as_user(desk)
    await Logout(world.refresh_tokens, world.revocations, secrets, world.uow, world.clock, context)("prm_rt_a")
    assert [(r.session_id, r.generation) for r in world.revoked.applied] == [(mine, None)]
    stranger = world.context(await world.user("front_desk"), {"patients:read"})
    await Logout(world.refresh_tokens, world.revocations, secrets, world.uow, world.clock, stranger)("prm_rt_b")
    assert len(world.revoked.applied) == 1  # another user's token: ignored
