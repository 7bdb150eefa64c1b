"""Tokens, sessions, login throttling, the audit trail and row-level security."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeAlias
from uuid import UUID, uuid4

import jwt
import psycopg
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.engine import make_url

from prm.adapters.security.jwt_tokens import JwtAccessTokens
from prm.application.identity.ports import AccessClaims
from prm.domain.identity.errors import InvalidCredentials
from prm.domain.identity.permissions import PERMISSIONS
from prm.domain.shared.ids import TenantId
from prm.entrypoints.http.app import create_app
from prm.settings import Settings
from tests.auth import PASSWORD, CheapHashing, create_user, log_in
from tests.fakes import FixedClock

Client: TypeAlias = AsyncTestClient[Litestar]
API = "/api/v1/prm"
KEY = "k" * 40
TOKENS = JwtAccessTokens(keys={"k1": KEY}, signing_kid="k1", issuer="prm", audience="prm-api")


def claims(**overrides: Any) -> AccessClaims:
    values: dict[str, Any] = {
        "subject": str(uuid4()),
        "tenant_id": TenantId(uuid4()),
        "roles": ("admin",),
        "permissions": frozenset({"patients:read"}),
        "phone_region": "US",
        "expires_at": datetime.now(UTC) + timedelta(minutes=15),
        "generation": 1,
        "session_id": uuid4(),
    }
    return AccessClaims(**{**values, **overrides})


def test_a_token_round_trips_and_rotated_keys_still_verify() -> None:
    issued = TOKENS.issue(claims())
    assert TOKENS.verify(issued.token).permissions == {"patients:read"}
    rotated = JwtAccessTokens(keys={"k2": "n" * 40, "k1": KEY}, signing_kid="k2", issuer="prm", audience="prm-api")
    assert rotated.verify(issued.token).subject == TOKENS.verify(issued.token).subject
    assert jwt.get_unverified_header(rotated.issue(claims()).token)["kid"] == "k2"


def test_verified_tokens_are_cached_until_they_expire() -> None:
    clock = FixedClock(datetime.now(UTC))
    tokens = JwtAccessTokens(keys={"k1": KEY}, signing_kid="k1", issuer="prm", audience="prm-api", clock=clock)
    issued = tokens.issue(claims(expires_at=datetime.now(UTC) + timedelta(minutes=15)))
    first = tokens.verify(issued.token)
    assert tokens.verify(issued.token) is first  # from the cache
    header, payload, signature = issued.token.split(".")
    with pytest.raises(InvalidCredentials):
        tokens.verify(f"{header}.{payload}.{signature[:-2]}AA")  # a different string: never a cache hit
    clock.current = first.expires_at + timedelta(seconds=1)
    assert tokens.verify(issued.token) is not first  # past its expiry the cache is not trusted


def _forged(payload: dict[str, Any], key: str = KEY, kid: str = "k1") -> str:
    now = datetime.now(UTC)
    base: dict[str, Any] = {
        "sub": str(uuid4()),
        "tenant": str(uuid4()),
        "perms": ["patients:read"],
        "iss": "prm",
        "aud": "prm-api",
        "gen": 1,
        "sid": str(uuid4()),
    }
    base |= {"iat": int(now.timestamp()), "exp": int((now + timedelta(minutes=5)).timestamp())}
    return jwt.encode({**base, **payload}, key, algorithm="HS256", headers={"kid": kid})


@pytest.mark.parametrize(
    ("token", "why"),
    [
        (_forged({"exp": int((datetime.now(UTC) - timedelta(seconds=5)).timestamp())}), "expired"),
        (_forged({}, key="x" * 40), "wrong signature"),
        (_forged({"aud": "someone-else"}), "wrong audience"),
        (_forged({"iss": "evil"}), "wrong issuer"),
        (_forged({}, kid="unknown"), "unknown key id"),
        (_forged({"tenant": None}), "no tenant"),
        (_forged({"gen": None}), "no generation"),
        (_forged({"gen": "1"}), "a generation that is no integer"),
        (_forged({"sid": None}), "no session"),
        ("a.b.c", "garbage"),
    ],
)
def test_bad_tokens_are_refused(token: str, why: str) -> None:
    with pytest.raises(InvalidCredentials):
        TOKENS.verify(token)


@given(position=st.integers(min_value=0), replacement=st.characters(whitelist_categories=["Ll", "Lu", "Nd"]))
@hsettings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_tampered_tokens_are_refused(position: int, replacement: str) -> None:
    token = TOKENS.issue(claims(permissions=frozenset({"patients:read"}))).token
    header, payload, signature = token.split(".")
    index = position % len(payload)
    if payload[index] == replacement:
        return
    tampered = f"{header}.{payload[:index]}{replacement}{payload[index + 1 :]}.{signature}"
    try:
        verified = TOKENS.verify(tampered)
    except InvalidCredentials:
        return
    # base64url padding bits can change without changing the decoded claims: then nothing was tampered
    assert verified == TOKENS.verify(token)


async def test_login_refresh_rotation_and_reuse_revokes_the_family(
    settings: Settings, tenant_id: Any, client: Client, anonymous_client: Client
) -> None:
    email = await create_user(settings, tenant_id, ["front_desk"])
    first = (
        await anonymous_client.post(f"{API}/auth/login", json={"email": email.upper(), "password": PASSWORD})
    ).json()
    assert first["user"]["email"] == email
    assert "patients:write" in first["user"]["permissions"]
    assert "audit:read" not in first["user"]["permissions"]
    assert first["user"]["tenant_id"] == str(tenant_id)
    second = await anonymous_client.post(f"{API}/auth/refresh", json={"refresh": first["refresh"]})
    assert second.status_code == 200
    assert second.json()["refresh"] != first["refresh"]
    reused = await anonymous_client.post(f"{API}/auth/refresh", json={"refresh": first["refresh"]})
    assert reused.status_code == 401
    after = await anonymous_client.post(f"{API}/auth/refresh", json={"refresh": second.json()["refresh"]})
    assert after.status_code == 401  # the whole family is revoked


async def test_me_logout_and_change_password(
    settings: Settings, tenant_id: Any, client: Client, make_client: Any
) -> None:
    email = await create_user(settings, tenant_id, ["auditor"])
    user_client: Client = await make_client(roles=None)
    session = await log_in(user_client, email)
    me = (await user_client.get(f"{API}/auth/me")).json()
    assert (me["email"], me["roles"]) == (email, ["auditor"])
    weak = await user_client.post(
        f"{API}/auth/change-password", json={"current_password": PASSWORD, "new_password": "password1234"}
    )
    assert weak.status_code == 422
    changed = await user_client.post(
        f"{API}/auth/change-password", json={"current_password": PASSWORD, "new_password": "a new long passphrase"}
    )
    assert changed.status_code == 204
    assert (await user_client.post(f"{API}/auth/refresh", json={"refresh": session["refresh"]})).status_code == 401
    await log_in(user_client, email, "a new long passphrase")


async def test_failed_logins_are_throttled_and_do_not_reveal_the_email(
    settings: Settings, tenant_id: Any, client: Client, anonymous_client: Client
) -> None:
    email = await create_user(settings, tenant_id, ["front_desk"])
    unknown = await anonymous_client.post(f"{API}/auth/login", json={"email": "nobody@example.org", "password": "x"})
    wrong = await anonymous_client.post(f"{API}/auth/login", json={"email": email, "password": "wrong password!"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json()["detail"] == wrong.json()["detail"]
    for _ in range(9):
        await anonymous_client.post(f"{API}/auth/login", json={"email": email, "password": "wrong password!"})
    limited = await anonymous_client.post(f"{API}/auth/login", json={"email": email, "password": PASSWORD})
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1


async def _events(client: Client, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(f"{API}/audit/events", params={"page_size": 100, **params})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def test_changes_and_reads_leave_audit_events_with_the_actor(client: Client, client_as: Any) -> None:
    me = (await client.get(f"{API}/auth/me")).json()
    created = await client.post(f"{API}/patients", json={"name": {"family": "Audited"}, "gender": "female"})
    patient_id = created.json()["id"]
    events = await _events(client, entity_id=patient_id)
    assert [(e["action"], e["actor_type"], e["actor_id"]) for e in events] == [("create", "user", me["id"])]
    await client.patch(f"{API}/patients/{patient_id}", json={"gender": "male", "marital_status": "M"})
    update = await _events(client, entity_id=patient_id, action="update")
    assert len(update) == 1
    assert set(update[0]["changed_fields"]) == {"gender", "marital_status"}
    await client.get(f"{API}/patients/{patient_id}")
    await client.get(f"{API}/patients", params={"search": "Audited"})
    actions = sorted(e["action"] for e in await _events(client, entity_id=patient_id))
    assert actions == ["create", "read", "search", "update"]
    front_desk = await client_as("front_desk")
    assert (await front_desk.get(f"{API}/audit/events")).status_code == 403
    auditor = await client_as("auditor")
    assert (await auditor.get(f"{API}/audit/events")).status_code == 200


def _libpq(url: str, **changes: Any) -> str:
    return make_url(url).set(drivername="postgresql", **changes).render_as_string(hide_password=False)


@pytest.mark.postgresql_only
def test_audit_events_cannot_be_updated_or_deleted_on_postgresql(_postgres_url: str) -> None:  # noqa: PT019
    with psycopg.connect(_libpq(_postgres_url)) as connection:
        connection.execute(
            "INSERT INTO audit_events (tenant_id, id, occurred_at, actor_type, action, entity_type, changed_fields) "
            "VALUES (%s, %s, now(), 'system', 'create', 'patient', '[]')",
            (uuid4(), uuid4()),
        )
        connection.commit()
        for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                connection.execute(statement)
            connection.rollback()


@pytest.mark.postgresql_only
def test_row_level_security_shows_only_the_bound_tenant(_postgres_url: str) -> None:  # noqa: PT019
    role = f"prm_rls_{secrets.token_hex(4)}"
    a, b = uuid4(), uuid4()
    with psycopg.connect(_libpq(_postgres_url), autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS")
        admin.execute(f"GRANT SELECT, INSERT ON outbox, patients TO {role}")
        for tenant in (a, b):
            admin.execute(
                "INSERT INTO outbox (tenant_id, id, event_type, aggregate_id, payload, occurred_at) "
                "VALUES (%s, %s, 'T', %s, '{}', now())",
                (tenant, uuid4(), uuid4()),
            )
    try:
        with psycopg.connect(_libpq(_postgres_url, username=role)) as connection:
            rows = connection.execute("SELECT DISTINCT tenant_id FROM outbox").fetchall()
            assert rows == []  # no tenant bound: nothing visible
            connection.execute("SELECT set_config('app.tenant_id', %s, true)", (str(a),))
            rows = connection.execute("SELECT DISTINCT tenant_id FROM outbox").fetchall()
            assert rows == [(a,)]
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                connection.execute(
                    "INSERT INTO outbox (tenant_id, id, event_type, aggregate_id, payload, occurred_at) "
                    "VALUES (%s, %s, 'T', %s, '{}', now())",
                    (b, uuid4(), uuid4()),
                )
            connection.rollback()
    finally:
        with psycopg.connect(_libpq(_postgres_url), autocommit=True) as admin:
            admin.execute(f"DROP OWNED BY {role}")
            admin.execute(f"DROP ROLE {role}")


async def test_a_default_install_refuses_tokens_minted_from_what_anyone_knows(
    database_url: str, tenant_id: UUID, tmp_path: Path
) -> None:
    """Finding 1 of the probe: the development key was derived from the database URL."""
    settings = Settings(
        database_url=database_url, env="development", state_dir=str(tmp_path), default_tenant_id=tenant_id
    )
    guessed = hashlib.sha256(f"prm-development-only:{settings.database_url}".encode()).hexdigest()
    forged = _forged(
        {"tenant": str(settings.default_tenant_id), "perms": sorted(PERMISSIONS), "roles": ["admin"]},
        key=guessed,
        kid="dev",
    )
    async with AsyncTestClient(app=create_app(settings, CheapHashing())) as attacker:
        response = await attacker.get("/api/v1/prm/patients", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
