"""Log in with email and password (``POST /auth/login``)."""

from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from prm.application.identity.ports import (
    AccessTokens,
    Accounts,
    LoginThrottle,
    PasswordHasher,
    RefreshTokens,
    Secrets,
    SessionPolicy,
)
from prm.application.identity.sessions import SessionTokens, custom_role_names, issue_session, permissions_for
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.identity.errors import InvalidCredentials
from prm.domain.identity.model import Tenant, User, email_key

log = structlog.get_logger(__name__)

MAX_CANDIDATES = 5


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginCommand:
    """``tenant`` (a slug) is needed only when the same email has accounts in several tenants."""

    email: str
    password: str
    tenant: str | None = None
    client_ip: str | None = None


def account_keys(email: str, tenant_slug: str | None, candidates: Sequence[tuple[User, Tenant]]) -> list[str]:
    """The throttle keys of the accounts a login attempt aims at: ``account:<tenant id>:<email key>``
    for each account found, else ``account:<normalised slug or *>:<email key>``. Padding and case
    variants of the email or the slug name the same keys; an account reached with or without its
    tenant's slug too."""
    email = email_key(email)
    if candidates:
        return [f"account:{tenant.id}:{email}" for _, tenant in candidates]
    return [f"account:{(tenant_slug or '').strip().lower() or '*'}:{email}"]


class Login:
    """Check email and password and open a session (access + refresh token).

    - Failures are counted per client address and per account (the resolved tenant and the
      normalised email, see :func:`account_keys`), across every server process: over the limit
      (10 a minute) raises ``RateLimited`` (429 with the seconds to wait) before any password check.
    - A wrong password and an unknown email raise the same ``InvalidCredentials`` (401) after the
      same work (a hash verification), so the answer reveals nothing about the email.
    - Records the login time; the password and tokens are never logged.
    """

    def __init__(
        self,
        accounts: Accounts,
        hasher: PasswordHasher,
        tokens: AccessTokens,
        secrets: Secrets,
        refresh_tokens: RefreshTokens,
        throttle: LoginThrottle,
        uow: UnitOfWork,
        clock: Clock,
        policy: SessionPolicy,
    ) -> None:
        self._accounts = accounts
        self._hasher = hasher
        self._tokens = tokens
        self._secrets = secrets
        self._refresh_tokens = refresh_tokens
        self._throttle = throttle
        self._uow = uow
        self._clock = clock
        self._policy = policy

    async def __call__(self, command: LoginCommand) -> SessionTokens:
        candidates = (await self._accounts.find_by_email(command.email, command.tenant))[:MAX_CANDIDATES]
        accounts = account_keys(command.email, command.tenant, candidates)
        keys = [*accounts, *([f"ip:{command.client_ip}"] if command.client_ip else [])]
        await self._throttle.check(keys)
        matches = [
            (user, tenant)
            for user, tenant in candidates
            if await self._hasher.verify(command.password, user.password_hash)
        ]
        if not candidates:
            await self._hasher.waste_time()
        if len(matches) != 1:
            await self._throttle.failed(keys)
            log.info("auth.login_failed", reason="ambiguous" if matches else "invalid")
            raise InvalidCredentials(
                "the email and password do not match (give the tenant when the email has several accounts)"
                if len(matches) > 1
                else "the email and password do not match"
            )
        user, tenant = matches[0]
        await self._throttle.succeeded(f"account:{tenant.id}:{email_key(command.email)}")
        now = self._clock.now()
        custom = await self._accounts.custom_roles(tenant.id, custom_role_names(user.roles))
        session = await issue_session(
            user=user,
            tenant=tenant,
            permissions=permissions_for(user.roles, custom),
            family_id=None,
            now=now,
            tokens=self._tokens,
            secrets=self._secrets,
            refresh_tokens=self._refresh_tokens,
            policy=self._policy,
        )
        await self._accounts.record_login(tenant.id, user.id, now)
        user.last_login_at = now
        await self._uow.commit()
        log.info("auth.login", user_id=str(user.id), tenant_id=str(tenant.id))
        return session
