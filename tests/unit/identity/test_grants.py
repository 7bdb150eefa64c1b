"""The grant policy: no grant beyond one's own permissions, only admins touch admins, a tenant
keeps an active admin."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prm.application.identity.grants import GrantPolicy, held_by
from prm.application.shared.context import SYSTEM, Principal, PrincipalKind, RequestContext
from prm.domain.identity.errors import AdminOnly, GrantExceedsOwn, LastAdmin
from prm.domain.identity.permissions import BUILTIN_ROLES, PERMISSIONS, is_admin_equivalent
from tests.unit.identity.conftest import TENANT, World
from tests.unit.identity.fakes import InMemoryRoles, InMemoryUsers

ALL = sorted(PERMISSIONS)
permission_sets = st.frozensets(st.sampled_from(ALL))


def test_the_system_principal_holds_every_permission_and_nobody_else_does_by_default() -> None:
    assert held_by(SYSTEM) == PERMISSIONS
    assert held_by(Principal(PrincipalKind.USER, id="u")) == frozenset()
    assert is_admin_equivalent(PERMISSIONS)
    assert not is_admin_equivalent(PERMISSIONS - {"audit:read"})


@given(held=permission_sets, granted=permission_sets)
def test_a_grant_passes_exactly_when_the_caller_holds_all_of_it(held: frozenset[str], granted: frozenset[str]) -> None:
    caller = RequestContext(tenant_id=TENANT, principal=Principal(PrincipalKind.API_KEY, id="k", permissions=held))
    policy = GrantPolicy(caller, InMemoryRoles(TENANT), InMemoryUsers(TENANT))
    if granted <= held:
        policy.check_grant(granted, to="an API key")
    else:
        with pytest.raises(GrantExceedsOwn) as refused:
            policy.check_grant(granted, to="an API key")
        assert all(p in refused.value.detail for p in granted - held)


async def test_only_an_admin_equivalent_caller_grants_the_admin_role(world: World) -> None:
    everything = await world.role("everything", PERMISSIONS)
    with pytest.raises(AdminOnly):
        await world.grants(world.context(permissions=PERMISSIONS - {"audit:read"}, api_key=True)).check_role_grant(
            ["admin"]
        )
    await world.grants(world.context(permissions=PERMISSIONS, api_key=True)).check_role_grant(["admin"])
    holder = await world.user(everything.name)
    await world.grants(await world.as_user(holder)).check_role_grant(["admin", "front_desk"])


async def test_roles_given_to_a_user_are_the_union_of_their_permissions(world: World) -> None:
    reader = await world.role("reader", {"patients:read"})
    manager = await world.user("auditor")
    policy = world.grants(world.context(manager, {"users:write", "patients:read"}))
    await policy.check_role_grant([reader.name])
    with pytest.raises(GrantExceedsOwn) as refused:
        await policy.check_role_grant([reader.name, "front_desk"])
    assert "patients:write" in refused.value.detail
    await policy.check_role_grant([])  # no role at all gives nothing


async def test_a_user_is_managed_only_by_one_holding_all_it_holds(world: World) -> None:
    admin = await world.user("admin")
    desk = await world.user("front_desk")
    manager = world.grants(world.context(None, {"users:write", *BUILTIN_ROLES["front_desk"]}, api_key=True))
    await manager.check_may_manage(desk)
    with pytest.raises(AdminOnly):
        await manager.check_may_manage(admin)
    weaker = world.grants(world.context(None, {"users:write"}, api_key=True))
    with pytest.raises(GrantExceedsOwn):
        await weaker.check_may_manage(desk)
    await world.grants(world.context()).check_may_manage(admin)  # the system principal


async def test_the_last_active_admin_stays_whoever_asks(world: World) -> None:
    admin = await world.user("admin")
    await world.user("admin", active=False)  # an inactive admin does not count
    policy = world.grants(world.context())
    for roles, active in ((("front_desk",), True), (("admin",), False), ((), False)):
        with pytest.raises(LastAdmin):
            await policy.check_keeps_an_admin(admin, roles=roles, is_active=active)
    await policy.check_keeps_an_admin(admin, roles=("admin", "auditor"), is_active=True)
    assert world.users.locked == ["admin"] * 3
    await world.user("admin")
    await policy.check_keeps_an_admin(admin, roles=(), is_active=False)


async def test_non_admins_need_no_admin_count(world: World) -> None:
    desk = await world.user("front_desk")
    await world.grants(world.context()).check_keeps_an_admin(desk, roles=(), is_active=False)
    assert world.users.locked == []


async def test_a_roles_permissions_change_only_within_the_callers_own(world: World) -> None:
    policy = world.grants(world.context(None, {"roles:write", "patients:read"}, api_key=True))
    policy.check_role_change({"patients:read"}, set())
    with pytest.raises(GrantExceedsOwn, match="patients:write"):
        policy.check_role_change({"patients:read"}, {"patients:write"})
    with pytest.raises(GrantExceedsOwn, match="this role holds"):
        policy.check_role_change({"patients:read", "audit:read"}, {"patients:read"})  # stripping a stronger role
