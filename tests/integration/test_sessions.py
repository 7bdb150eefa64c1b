"""Sessions across server processes: early revocation of access tokens and the shared login throttle.

"Another process" is a second application built on the same settings and database: it shares
nothing with the first but the database (and the signing keys), as two server processes do.
"""

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, TypeAlias
from uuid import UUID

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import create_async_engine

from prm.adapters.sql.identity_tables import login_failures, token_revocations
from prm.application.identity.login import Login, LoginCommand
from prm.domain.identity.errors import InvalidCredentials
from prm.domain.shared.errors import RateLimited
from prm.entrypoints.http.app import create_app
from prm.entrypoints.library import Prm
from prm.settings import Settings, SettingsError
from tests.auth import PASSWORD, CheapHashing, PerTestLoginThrottle, create_tenant, create_user, log_in
from tests.conftest import ClientFactory

Client: TypeAlias = AsyncTestClient[Litestar]
API = "/api/v1/prm"
PATIENTS = f"{API}/patients"
USERS = f"{API}/admin/users"
ROLES = f"{API}/admin/roles"
LOGIN = f"{API}/auth/login"
POLL_SECONDS = 0.2
NEW_PASSWORD = "a perfectly fine passphrase"


@pytest.fixture
def settings(database_url: str, tenant_id: UUID) -> Settings:
    """The suite's settings, polling the revocation feed every 0.2 seconds."""
    return Settings(
        database_url=database_url,
        env="test",
        default_tenant_id=tenant_id,
        access_log=False,
        log_level="warning",
        revocation_poll_seconds=POLL_SECONDS,
    )


def another_process(settings: Settings) -> Litestar:
    return create_app(settings, CheapHashing(), PerTestLoginThrottle())


@pytest.fixture
async def other(settings: Settings) -> AsyncIterator[Client]:
    """A client of a second application on the same database."""
    async with AsyncTestClient(app=another_process(settings)) as client:
        yield client


def bearer(client: Client) -> dict[str, str]:
    return {"Authorization": client.headers["Authorization"]}


async def refused_within(client: Client, headers: dict[str, str], seconds: float = 20.0) -> float:
    """Seconds until ``client`` answers 401 to these credentials (fails after ``seconds``)."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        status = (await client.get(PATIENTS, headers=headers)).status_code
        if status == 401:
            return time.monotonic() - started
        assert status == 200, status
        await asyncio.sleep(0.02)
    raise AssertionError(f"still accepted after {seconds} s")


async def me(client: Client) -> dict[str, Any]:
    response = await client.get(f"{API}/auth/me")
    assert response.status_code == 200, response.text
    return dict(response.json())


# early revocation


async def test_a_deactivated_users_token_is_refused_at_once_here_and_within_the_poll_elsewhere(
    client: Client, make_client: ClientFactory, other: Client
) -> None:
    user: Client = await make_client(roles=("front_desk",))
    credentials = bearer(user)
    assert (await other.get(PATIENTS, headers=credentials)).status_code == 200
    user_id = (await me(user))["id"]
    assert (await client.delete(f"{USERS}/{user_id}")).status_code == 204
    refused = await user.get(PATIENTS)
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]
    # Within a few polls (0.2 s each); the margin is for a loaded machine (the suite's two workers
    # and schemathesis beside it once took over 5 s), far below an access token's minutes.
    assert await refused_within(other, credentials) < POLL_SECONDS + 10


async def test_a_role_change_takes_effect_at_once(
    settings: Settings,
    tenant_id: UUID,
    client: Client,
    make_client: ClientFactory,
    anonymous_client: Client,
    other: Client,
) -> None:
    email = await create_user(settings, tenant_id, ["front_desk"])
    user: Client = await make_client(roles=None)
    session = await log_in(user, email)
    assert (await user.post(PATIENTS, json={"name": {"family": "Before"}})).status_code == 201
    credentials = bearer(user)
    assert (await other.get(PATIENTS, headers=credentials)).status_code == 200
    changed = await client.patch(f"{USERS}/{session['user']['id']}", json={"roles": ["auditor"]})
    assert changed.status_code == 200
    assert (await user.post(PATIENTS, json={"name": {"family": "After"}})).status_code == 401
    await refused_within(other, credentials)
    renewed = await anonymous_client.post(f"{API}/auth/refresh", json={"refresh": session["refresh"]})
    assert renewed.status_code == 200, renewed.text  # the session goes on, with the new roles
    user.headers["Authorization"] = f"Bearer {renewed.json()['access']}"
    assert (await user.post(PATIENTS, json={"name": {"family": "After"}})).status_code == 403
    assert (await user.get(f"{API}/audit/events")).status_code == 200


async def test_a_roles_new_permissions_end_its_holders_tokens(client: Client, make_client: ClientFactory) -> None:
    role = (await client.post(ROLES, json={"name": "clerk", "permissions": ["patients:read"]})).json()
    holder: Client = await make_client(roles=("clerk",))
    bystander: Client = await make_client(roles=("front_desk",))
    assert (await holder.get(PATIENTS)).status_code == 200
    patched = await client.patch(f"{ROLES}/{role['id']}", json={"permissions": ["patients:read", "patients:write"]})
    assert patched.status_code == 200
    assert (await holder.get(PATIENTS)).status_code == 401
    assert (await bystander.get(PATIENTS)).status_code == 200
    described = await client.patch(f"{ROLES}/{role['id']}", json={"description": "Clerks"})
    assert described.status_code == 200
    assert (await bystander.get(PATIENTS)).status_code == 200


async def test_logout_ends_that_sessions_access_token_and_no_other(
    settings: Settings, tenant_id: UUID, client: Client, make_client: ClientFactory, other: Client
) -> None:
    email = await create_user(settings, tenant_id, ["front_desk"])
    first: Client = await make_client(roles=None)
    second: Client = await make_client(roles=None)
    first_session = await log_in(first, email)
    await log_in(second, email)
    assert (await other.get(PATIENTS, headers=bearer(first))).status_code == 200
    assert (await first.post(f"{API}/auth/logout", json={"refresh": first_session["refresh"]})).status_code == 204
    assert (await first.get(PATIENTS)).status_code == 401
    assert (await second.get(PATIENTS)).status_code == 200
    await refused_within(other, bearer(first))
    assert (await other.get(PATIENTS, headers=bearer(second))).status_code == 200


async def test_a_token_of_an_older_generation_is_refused_also_by_a_process_started_later(
    settings: Settings, tenant_id: UUID, client: Client, make_client: ClientFactory
) -> None:
    email = await create_user(settings, tenant_id, ["front_desk"])
    user: Client = await make_client(roles=None)
    user_id = (await log_in(user, email))["user"]["id"]
    old = bearer(user)
    assert (await client.patch(f"{USERS}/{user_id}", json={"password": NEW_PASSWORD})).status_code == 200
    assert (await user.get(PATIENTS)).status_code == 401
    await log_in(user, email, NEW_PASSWORD)
    assert (await user.get(PATIENTS)).status_code == 200
    async with AsyncTestClient(app=another_process(settings)) as later:
        assert (await later.get(PATIENTS, headers=old)).status_code == 401  # loaded from the feed at start
        assert (await later.get(PATIENTS, headers=bearer(user))).status_code == 200


async def test_changing_ones_password_ends_ones_own_token(
    settings: Settings, tenant_id: UUID, client: Client, make_client: ClientFactory
) -> None:
    email = await create_user(settings, tenant_id, ["front_desk"])
    user: Client = await make_client(roles=None)
    await log_in(user, email)
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert (await user.post(f"{API}/auth/change-password", json=body)).status_code == 204
    assert (await user.get(PATIENTS)).status_code == 401
    await log_in(user, email, NEW_PASSWORD)


async def test_the_feed_holds_ids_only_and_forgets_old_rows(
    settings: Settings, tenant_id: UUID, client: Client, make_client: ClientFactory
) -> None:
    user: Client = await make_client(roles=("front_desk",))
    user_id = (await me(user))["id"]
    assert (await client.delete(f"{USERS}/{user_id}")).status_code == 204
    rows = await _sql(settings, sa.select(token_revocations).where(token_revocations.c.user_id == UUID(user_id)))
    assert [(r.tenant_id, r.session_id, r.generation) for r in rows] == [(tenant_id, None, 2)]
    old = sa.update(token_revocations).where(token_revocations.c.user_id == UUID(user_id))
    await _sql(settings, old.values(created_at=rows[0].created_at.replace(year=2000)))
    for _ in range(2):  # a writer prunes the old rows but the newest (the first of these keeps it)
        other: Client = await make_client(roles=("front_desk",))
        assert (await client.delete(f"{USERS}/{(await me(other))['id']}")).status_code == 204
    assert await _sql(settings, sa.select(token_revocations).where(token_revocations.c.user_id == UUID(user_id))) == []


async def test_a_revocation_after_the_feed_was_pruned_to_nothing_still_reaches_the_other_process(
    settings: Settings, client: Client, make_client: ClientFactory, other: Client
) -> None:
    """Regression: on SQLite a feed pruned empty numbered its next row 1, below the poller's ``last``."""
    for _ in range(2):
        revoked: Client = await make_client(roles=("front_desk",))
        assert (await client.delete(f"{USERS}/{(await me(revoked))['id']}")).status_code == 204
    await _sql(settings, sa.update(token_revocations).values(created_at=datetime(2000, 1, 1, tzinfo=UTC)))
    user: Client = await make_client(roles=("front_desk",))
    credentials = bearer(user)
    assert (await other.get(PATIENTS, headers=credentials)).status_code == 200  # the other process has polled
    assert (await client.delete(f"{USERS}/{(await me(user))['id']}")).status_code == 204  # prunes, then adds
    assert await refused_within(other, credentials) < POLL_SECONDS + 10
    assert len(await _sql(settings, sa.select(token_revocations))) == 2  # the newest old row is kept, and the new one


# the login throttle


async def test_padding_and_case_variants_of_tenant_and_email_share_one_counter(
    settings: Settings, client: Client
) -> None:
    slug = f"pad-{secrets.token_hex(4)}"
    tenant = await create_tenant(settings, slug=slug)
    email = await create_user(settings, tenant, ["front_desk"], email=f"Pad.{secrets.token_hex(4)}@Example.org")
    bystander = await create_user(settings, tenant, ["front_desk"])
    variants = [
        (email, None),
        (f"  {email.upper()} ", slug.upper()),
        (f"{email.lower()}\t", f"  {slug} "),
        (email.swapcase(), slug.title()),
    ]
    async with Prm.open(settings, providers=(CheapHashing(),)) as prm:  # no client address: only the account counts
        for attempt in range(settings.login_failures_per_minute):
            given, tenant_slug = variants[attempt % len(variants)]
            with pytest.raises(InvalidCredentials):
                await prm.run(Login, LoginCommand(email=given, password="wrong password!", tenant=tenant_slug))
        with pytest.raises(RateLimited):
            await prm.run(Login, LoginCommand(email=email, password=PASSWORD, tenant=slug))
        with pytest.raises(RateLimited):
            await prm.run(Login, LoginCommand(email=email, password=PASSWORD))
        await prm.run(Login, LoginCommand(email=bystander, password=PASSWORD))  # another account: its own counter


async def test_the_login_limit_holds_across_processes(
    settings: Settings, tenant_id: UUID, client: Client, anonymous_client: Client, other: Client
) -> None:
    email = await create_user(settings, tenant_id, ["front_desk"])
    for attempt in range(settings.login_failures_per_minute):
        process = anonymous_client if attempt % 2 else other
        response = await process.post(LOGIN, json={"email": email, "password": "wrong password!"})
        assert response.status_code == 401
    for process in (anonymous_client, other):
        limited = await process.post(LOGIN, json={"email": email, "password": PASSWORD})
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
    stored = await _sql(settings, sa.select(login_failures.c.key_hash))
    assert stored
    assert all(len(key) == 64 and email.split("@")[0] not in key for (key,) in stored)  # digests, not emails


async def _sql(settings: Settings, statement: Any) -> list[Any]:
    engine = create_async_engine(settings.database_url)
    try:
        async with engine.begin() as connection:
            result = await connection.execute(statement)
            return list(result) if result.returns_rows else []
    finally:
        await engine.dispose()


def test_the_poll_interval_is_a_setting() -> None:
    assert Settings.from_env({"PRM_REVOCATION_POLL_SECONDS": "0.5"}).revocation_poll_seconds == 0.5
    assert Settings().revocation_poll_seconds == 1.0
    with pytest.raises(SettingsError, match="PRM_REVOCATION_POLL_SECONDS"):
        Settings.from_env({"PRM_REVOCATION_POLL_SECONDS": "0"})
