"""Ports of the identity context.

Tenant-scoped ports (``UserRepository``, ``RoleRepository``, ``ApiKeyRepository``) only see the
caller's tenant, like every other repository. Authentication happens before the tenant is known,
so ``Accounts``, ``RefreshTokens`` and ``ApiKeyAuthenticator`` look across tenants by
credential; nothing else does.
"""

from abc import abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from prm.application.shared.paging import Page, PageRequest
from prm.domain.identity.model import ApiKey, ApiKeyId, Role, RoleId, Tenant, User, UserId
from prm.domain.shared.ids import TenantId


class PasswordHasher(Protocol):
    """argon2id password hashes (PHC strings such as ``$argon2id$v=19$m=...``).

    Asynchronous: a hash takes a quarter of a second of CPU by design, which must not hold up
    the event loop (every other request, ``/health`` included, would wait for it)."""

    @abstractmethod
    async def hash(self, password: str) -> str: ...

    @abstractmethod
    async def verify(self, password: str, password_hash: str) -> bool: ...

    @abstractmethod
    async def waste_time(self) -> None:
        """Spend as long as a verification, so that an unknown email answers as slowly as a known one."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AccessClaims:
    """What a verified access token says: subject (user id), tenant, roles and permissions, the
    user's token ``generation`` at issue time and the ``session_id`` (the refresh-token family of
    the login it belongs to). :class:`RevokedTokens` refuses it by either of the last two."""

    subject: str
    tenant_id: TenantId
    roles: tuple[str, ...]
    permissions: frozenset[str]
    phone_region: str
    expires_at: datetime
    generation: int
    session_id: UUID


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_at: datetime


class AccessTokens(Protocol):
    """Signed, short-lived access tokens (JWT). Verification needs no database."""

    @abstractmethod
    def issue(self, claims: AccessClaims) -> IssuedToken: ...

    @abstractmethod
    def verify(self, token: str) -> AccessClaims:
        """The claims of a valid token; raises ``InvalidCredentials`` for an expired, forged,
        tampered or foreign (issuer, audience, key id) token."""


class Secrets(Protocol):
    """Opaque high-entropy secrets (refresh tokens, API keys) and their stored digests."""

    @abstractmethod
    def new(self, prefix: str) -> str:
        """A fresh secret such as ``prm_rt_…`` (at least 256 bits of randomness)."""

    @abstractmethod
    def digest(self, secret: str) -> str:
        """The hex digest stored in place of the secret (SHA-256: secrets are random, not guessable)."""


class TenantRepository(Protocol):
    @abstractmethod
    async def add(self, tenant: Tenant) -> None:
        """Insert; raises ``DuplicateSlug``."""

    @abstractmethod
    async def get(self, tenant_id: TenantId) -> Tenant | None: ...

    @abstractmethod
    async def get_by_slug(self, slug: str) -> Tenant | None: ...

    @abstractmethod
    async def list(self) -> Sequence[Tenant]: ...


class UserRepository(Protocol):
    """The users of the caller's tenant."""

    @abstractmethod
    async def add(self, user: User) -> None:
        """Insert; raises ``DuplicateEmail`` when the tenant has the email (any case)."""

    @abstractmethod
    async def get(self, user_id: UserId) -> User | None: ...

    @abstractmethod
    async def save(self, user: User) -> None:
        """Write every field; raises ``DuplicateEmail``."""

    @abstractmethod
    async def list(self, page: PageRequest) -> Page[User]: ...

    @abstractmethod
    async def holding_role(self, role_name: str) -> int:
        """How many users hold ``role_name``."""

    @abstractmethod
    async def lock_active_holders(self, role_name: str) -> Sequence[UserId]:
        """The active users holding ``role_name``, their rows locked until the unit of work ends
        (PostgreSQL ``FOR UPDATE``; SQLite has one writer at a time), so that two concurrent
        demotions cannot each count the other admin."""

    @abstractmethod
    async def end_sessions_of_holders(self, role_name: str) -> Sequence[tuple[UserId, int]]:
        """Raise the token generation of every user holding ``role_name``; returns each one's
        ``(user id, new generation)``."""


class RoleRepository(Protocol):
    """The tenant's own roles (built-in roles live in the domain)."""

    @abstractmethod
    async def add(self, role: Role) -> None:
        """Insert; raises ``DuplicateRole``."""

    @abstractmethod
    async def get(self, role_id: RoleId) -> Role | None: ...

    @abstractmethod
    async def get_many_by_name(self, names: Iterable[str]) -> Sequence[Role]: ...

    @abstractmethod
    async def list(self) -> Sequence[Role]: ...

    @abstractmethod
    async def save(self, role: Role) -> None: ...

    @abstractmethod
    async def remove(self, role: Role) -> None: ...


class Accounts(Protocol):
    """Cross-tenant look-ups for logging in (by email) and refreshing (by user id)."""

    @abstractmethod
    async def find_by_email(self, email: str, tenant_slug: str | None) -> Sequence[tuple[User, Tenant]]:
        """Active users of active tenants with this email (any case), in the tenant when given."""

    @abstractmethod
    async def get(self, tenant_id: TenantId, user_id: UserId) -> tuple[User, Tenant] | None:
        """The user and its tenant, when both are active."""

    @abstractmethod
    async def custom_roles(self, tenant_id: TenantId, names: Iterable[str]) -> Sequence[Role]: ...

    @abstractmethod
    async def record_login(self, tenant_id: TenantId, user_id: UserId, at: datetime) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class RefreshRecord:
    """A stored refresh token (its digest). Tokens of one login form a ``family``; ``used_at`` is
    set when the token is exchanged for a new one, ``revoked_at`` at logout or reuse."""

    id: UUID
    family_id: UUID
    tenant_id: TenantId
    user_id: UserId
    token_hash: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None


class RefreshTokens(Protocol):
    @abstractmethod
    async def add(self, record: RefreshRecord) -> None: ...

    @abstractmethod
    async def find(self, token_hash: str) -> RefreshRecord | None: ...

    @abstractmethod
    async def mark_used(self, record_id: UUID, at: datetime) -> bool:
        """Set ``used_at`` if the token is still unused and unrevoked; ``False`` if another request won."""

    @abstractmethod
    async def revoke_family(self, family_id: UUID, at: datetime) -> None: ...

    @abstractmethod
    async def revoke_user(self, tenant_id: TenantId, user_id: UserId, at: datetime) -> None:
        """Revoke every refresh token of the user (password change, deactivation)."""

    @abstractmethod
    async def purge(self, tenant_id: TenantId, now: datetime, revoked_before: datetime) -> int:
        """Delete the tenant's refresh tokens that expired before ``now`` or were revoked before
        ``revoked_before``; returns how many. Used tokens are kept until they expire: presenting
        one again is how a stolen token is detected."""


class ApiKeyRepository(Protocol):
    """The API keys of the caller's tenant."""

    @abstractmethod
    async def add(self, key: ApiKey) -> None: ...

    @abstractmethod
    async def get(self, key_id: ApiKeyId) -> ApiKey | None: ...

    @abstractmethod
    async def list(self) -> Sequence[ApiKey]: ...

    @abstractmethod
    async def save(self, key: ApiKey) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiKeyIdentity:
    key_id: ApiKeyId
    tenant_id: TenantId
    permissions: frozenset[str]
    phone_region: str


class ApiKeyAuthenticator(Protocol):
    """Checks an ``X-API-Key`` secret (one indexed look-up by digest; records the last use)."""

    @abstractmethod
    async def authenticate(self, secret: str) -> ApiKeyIdentity:
        """Raises ``InvalidCredentials`` for an unknown or revoked key or an inactive tenant."""


class LoginThrottle(Protocol):
    """Counts failed logins per key (client address, account) in a sliding minute, shared by every
    server process. Works outside the unit of work: a failed login rolls back, its count stays."""

    @abstractmethod
    async def check(self, keys: Sequence[str]) -> None:
        """Raise ``RateLimited`` (with seconds to wait) when any key is over its limit."""

    @abstractmethod
    async def failed(self, keys: Sequence[str]) -> None: ...

    @abstractmethod
    async def succeeded(self, key: str) -> None:
        """Forget an account's failures after a successful login."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Revocation:
    """Access tokens refused before they expire: the user's tokens of a ``generation`` lower than
    the one given, or the tokens of one ``session_id`` (a logout). ``at`` is when it was decided."""

    tenant_id: TenantId
    user_id: UserId
    at: datetime
    generation: int | None = None
    session_id: UUID | None = None


class TokenRevocations(Protocol):
    """Revoking access tokens, request-scoped: ``record`` writes the revocations to the feed in
    the unit of work's transaction (with the change that causes them); once the unit has
    committed, ``publish`` makes this process refuse them at once. Other processes read the feed
    within ``PRM_REVOCATION_POLL_SECONDS``."""

    @abstractmethod
    async def record(self, revocations: Sequence[Revocation]) -> None: ...

    @abstractmethod
    def publish(self) -> None:
        """Apply the recorded revocations in this process (call after the commit, never before:
        a rolled-back change must not revoke anything)."""


class RevokedTokens(Protocol):
    """Process-wide: which unexpired access tokens are revoked. Answers from memory, refreshed
    from the revocation feed at most once per poll interval (one indexed query)."""

    @abstractmethod
    async def is_revoked(self, claims: AccessClaims) -> bool: ...

    @abstractmethod
    def apply(self, revocations: Sequence[Revocation]) -> None:
        """Refuse these from now on (this process's own revocations, after their commit)."""


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """Lifetimes of access tokens (minutes) and refresh tokens (days)."""

    access_minutes: int = 15
    refresh_days: int = 14
