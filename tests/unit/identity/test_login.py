"""Logging in: the throttle counts per resolved account, whatever the spelling; tokens carry the
user's generation and the session."""

from datetime import timedelta

import pytest
from structlog.testing import capture_logs

from prm.application.identity.login import Login, LoginCommand, account_keys
from prm.application.identity.ports import SessionPolicy
from prm.application.identity.refresh_session import RefreshSession
from prm.domain.identity.errors import InvalidCredentials
from prm.domain.identity.model import Tenant, User
from prm.domain.shared.errors import RateLimited
from tests.unit.identity.conftest import NOW, PASSWORD, World
from tests.unit.identity.fakes import ClaimsTokens, CountingSecrets, InMemoryAccounts, InMemoryLoginThrottle

EMAIL = "Nurse.Joy@Example.org"


@pytest.fixture
def accounts() -> InMemoryAccounts:
    accounts = InMemoryAccounts()
    tenant = Tenant.create(name="St Mary's", slug="st-marys", time_zone="UTC", phone_region="GB", now=NOW)
    accounts.tenants[tenant.id] = tenant
    user = User.create(
        tenant_id=tenant.id,
        email=EMAIL,
        full_name="Joy",
        password_hash=f"hash:{PASSWORD}",
        roles=("front_desk",),
        now=NOW,
    )
    accounts.users[user.id] = user
    return accounts


def login(world: World, accounts: InMemoryAccounts, throttle: InMemoryLoginThrottle, tokens: ClaimsTokens) -> Login:
    return Login(
        accounts,
        world.hasher,
        tokens,
        CountingSecrets(),
        world.refresh_tokens,
        throttle,
        world.uow,
        world.clock,
        SessionPolicy(),
    )


VARIANTS = [
    (EMAIL, None),
    ("  nurse.joy@example.org ", "st-marys"),
    ("NURSE.JOY@EXAMPLE.ORG", " ST-MARYS "),
    ("nurse.joy@example.org\t", "St-Marys"),
]


@pytest.mark.parametrize("known", [True, False])
async def test_padding_and_case_variants_share_one_account_counter(
    world: World, accounts: InMemoryAccounts, known: bool
) -> None:
    if not known:
        accounts.users.clear()
    throttle = InMemoryLoginThrottle(limit=10)
    use_case = login(world, accounts, throttle, ClaimsTokens())
    for attempt in range(10):
        email, tenant = VARIANTS[attempt % len(VARIANTS)]
        if not known:
            tenant = tenant or "st-marys"  # an unknown account: the slug as given, normalised
        with pytest.raises(InvalidCredentials):
            await use_case(LoginCommand(email=email, password="wrong password!", tenant=tenant))
    assert len(throttle.failures) == 1, throttle.failures.keys()  # no client address: the account key only
    with pytest.raises(RateLimited):
        await use_case(LoginCommand(email=EMAIL.lower(), password=PASSWORD, tenant="st-marys"))


def test_account_keys_name_the_resolved_tenant_or_the_normalised_slug(accounts: InMemoryAccounts) -> None:
    [(user, tenant)] = [(u, accounts.tenants[u.tenant_id]) for u in accounts.users.values()]
    found = account_keys(" NURSE.joy@example.org", None, [(user, tenant)])
    assert found == [f"account:{tenant.id}:nurse.joy@example.org"]
    assert account_keys("x@example.org", " St-Marys ", []) == account_keys("X@example.org ", "st-marys", [])
    assert (
        account_keys("x@example.org", None, [])
        == account_keys("x@example.org", "  ", [])
        == ["account:*:x@example.org"]
    )


async def test_a_success_forgets_the_accounts_failures_but_not_the_address(
    world: World, accounts: InMemoryAccounts
) -> None:
    throttle = InMemoryLoginThrottle(limit=10)
    use_case = login(world, accounts, throttle, ClaimsTokens())
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            await use_case(LoginCommand(email=EMAIL, password="wrong", client_ip="10.0.0.1"))
    await use_case(LoginCommand(email=EMAIL, password=PASSWORD, client_ip="10.0.0.1"))
    assert {k: len(v) for k, v in throttle.failures.items()} == {"ip:10.0.0.1": 3}


async def test_tokens_carry_the_generation_and_keep_the_session_across_refreshes(
    world: World, accounts: InMemoryAccounts
) -> None:
    tokens = ClaimsTokens()
    [user] = accounts.users.values()
    user.token_generation = 7
    session = await login(world, accounts, InMemoryLoginThrottle(), tokens)(
        LoginCommand(email=EMAIL, password=PASSWORD)
    )
    first = tokens.verify(session.access)
    assert first.generation == 7
    assert first.expires_at == NOW + timedelta(minutes=15)
    [record] = world.refresh_tokens.rows.values()
    assert first.session_id == record.family_id
    refresh = RefreshSession(
        accounts,
        tokens,
        CountingSecrets(),
        world.refresh_tokens,
        world.revocations,
        world.uow,
        world.clock,
        SessionPolicy(),
    )
    renewed = tokens.verify((await refresh(session.refresh)).access)
    assert renewed.session_id == first.session_id
    with capture_logs() as logs, pytest.raises(InvalidCredentials):
        await refresh(session.refresh)  # reuse: the session is closed, its access tokens with it
    assert [entry["event"] for entry in logs] == ["auth.refresh_reused"]
    assert [r.session_id for r in world.revoked.applied] == [first.session_id]
