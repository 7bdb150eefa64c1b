"""Hand-written fakes of the identity ports, for unit tests of the use cases.

They keep the SQL adapters' contract where a use case can tell: one tenant's users and roles,
copies on the way in and out (a change is seen only after ``save``), unique emails and role names,
and a token revocation that reaches the process only when published after the commit.
"""

import copy
import math
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from prm.application.identity.ports import (
    AccessClaims,
    AccessTokens,
    Accounts,
    ApiKeyRepository,
    IssuedToken,
    LoginThrottle,
    PasswordHasher,
    RefreshRecord,
    RefreshTokens,
    Revocation,
    RevokedTokens,
    RoleRepository,
    Secrets,
    TokenRevocations,
    UserRepository,
)
from prm.application.shared.paging import Page, PageRequest
from prm.domain.identity.errors import DuplicateEmail, DuplicateRole
from prm.domain.identity.model import ApiKey, ApiKeyId, Role, RoleId, Tenant, User, UserId, email_key
from prm.domain.shared.errors import RateLimited
from prm.domain.shared.ids import TenantId
from tests.fakes import FakeUnitOfWork, FixedClock, InMemoryAuditTrail

__all__ = ["FakeUnitOfWork", "FixedClock", "InMemoryAuditTrail"]


class InMemoryUsers(UserRepository):
    def __init__(self, tenant_id: TenantId) -> None:
        self.tenant_id = tenant_id
        self.rows: dict[UserId, User] = {}
        self.locked: list[str] = []

    def _mine(self) -> list[User]:
        return [u for u in self.rows.values() if u.tenant_id == self.tenant_id]

    async def add(self, user: User) -> None:
        if any(email_key(u.email) == email_key(user.email) for u in self._mine()):
            raise DuplicateEmail("the tenant has a user with this email already")
        self.rows[user.id] = copy.copy(user)

    async def get(self, user_id: UserId) -> User | None:
        found = self.rows.get(user_id)
        return copy.copy(found) if found and found.tenant_id == self.tenant_id else None

    async def save(self, user: User) -> None:
        if any(email_key(u.email) == email_key(user.email) and u.id != user.id for u in self._mine()):
            raise DuplicateEmail("the tenant has a user with this email already")
        self.rows[user.id] = copy.copy(user)

    async def list(self, page: PageRequest) -> Page[User]:
        users = sorted(self._mine(), key=lambda u: email_key(u.email))
        return Page(users[page.offset : page.offset + page.page_size], len(users), page.page, page.page_size)

    async def holding_role(self, role_name: str) -> int:
        return sum(1 for u in self._mine() if role_name in u.roles)

    async def lock_active_holders(self, role_name: str) -> Sequence[UserId]:
        self.locked.append(role_name)
        return [u.id for u in self._mine() if u.is_active and role_name in u.roles]

    async def end_sessions_of_holders(self, role_name: str) -> Sequence[tuple[UserId, int]]:
        ended = []
        for user in self._mine():
            if role_name in user.roles:
                ended.append((user.id, user.end_sessions()))
        return ended


class InMemoryRoles(RoleRepository):
    def __init__(self, tenant_id: TenantId) -> None:
        self.tenant_id = tenant_id
        self.rows: dict[RoleId, Role] = {}

    async def add(self, role: Role) -> None:
        if any(r.name == role.name for r in self.rows.values()):
            raise DuplicateRole(f"the tenant has a role named {role.name!r} already")
        self.rows[role.id] = copy.copy(role)

    async def get(self, role_id: RoleId) -> Role | None:
        found = self.rows.get(role_id)
        return copy.copy(found) if found else None

    async def get_many_by_name(self, names: Iterable[str]) -> Sequence[Role]:
        wanted = set(names)
        return [copy.copy(r) for r in self.rows.values() if r.name in wanted]

    async def list(self) -> Sequence[Role]:
        return sorted((copy.copy(r) for r in self.rows.values()), key=lambda r: r.name)

    async def save(self, role: Role) -> None:
        self.rows[role.id] = copy.copy(role)

    async def remove(self, role: Role) -> None:
        self.rows.pop(role.id, None)


class InMemoryApiKeys(ApiKeyRepository):
    def __init__(self) -> None:
        self.rows: dict[ApiKeyId, ApiKey] = {}

    async def add(self, key: ApiKey) -> None:
        self.rows[key.id] = copy.copy(key)

    async def get(self, key_id: ApiKeyId) -> ApiKey | None:
        found = self.rows.get(key_id)
        return copy.copy(found) if found else None

    async def list(self) -> Sequence[ApiKey]:
        return [copy.copy(k) for k in self.rows.values()]

    async def save(self, key: ApiKey) -> None:
        self.rows[key.id] = copy.copy(key)


class InMemoryRevokedTokens(RevokedTokens):
    """What this process refuses: the published revocations."""

    def __init__(self) -> None:
        self.applied: list[Revocation] = []

    async def is_revoked(self, claims: AccessClaims) -> bool:
        for r in self.applied:
            if r.session_id is not None and r.session_id == claims.session_id:
                return True
            if r.generation is not None and str(r.user_id) == claims.subject and claims.generation < r.generation:
                return True
        return False

    def apply(self, revocations: Sequence[Revocation]) -> None:
        self.applied.extend(revocations)


class InMemoryTokenRevocations(TokenRevocations):
    """``recorded``: the feed's rows; published ones go to ``revoked`` (the process)."""

    def __init__(self, revoked: InMemoryRevokedTokens, uow: FakeUnitOfWork) -> None:
        self.recorded: list[Revocation] = []
        self._pending: list[Revocation] = []
        self._revoked = revoked
        self._uow = uow
        self._commits_at_record = 0

    async def record(self, revocations: Sequence[Revocation]) -> None:
        self.recorded.extend(revocations)
        self._pending.extend(revocations)
        self._commits_at_record = self._uow.commits

    def publish(self) -> None:
        if self._pending and self._uow.commits <= self._commits_at_record:
            raise AssertionError("revocations published before the unit of work committed")
        pending, self._pending = self._pending, []
        self._revoked.apply(pending)


class InMemoryRefreshTokens(RefreshTokens):
    def __init__(self) -> None:
        self.rows: dict[UUID, RefreshRecord] = {}

    async def add(self, record: RefreshRecord) -> None:
        self.rows[record.id] = record

    async def find(self, token_hash: str) -> RefreshRecord | None:
        return next((r for r in self.rows.values() if r.token_hash == token_hash), None)

    async def mark_used(self, record_id: UUID, at: datetime) -> bool:
        record = self.rows[record_id]
        if record.used_at is not None or record.revoked_at is not None:
            return False
        self.rows[record_id] = replace(record, used_at=at)
        return True

    async def revoke_family(self, family_id: UUID, at: datetime) -> None:
        for key, record in list(self.rows.items()):
            if record.family_id == family_id and record.revoked_at is None:
                self.rows[key] = replace(record, revoked_at=at)

    async def revoke_user(self, tenant_id: TenantId, user_id: UserId, at: datetime) -> None:
        for key, record in list(self.rows.items()):
            if record.user_id == user_id and record.revoked_at is None:
                self.rows[key] = replace(record, revoked_at=at)

    async def purge(self, tenant_id: TenantId, now: datetime, revoked_before: datetime) -> int:
        gone = [
            key
            for key, r in self.rows.items()
            if r.tenant_id == tenant_id
            and (r.expires_at < now or (r.revoked_at is not None and r.revoked_at < revoked_before))
        ]
        for key in gone:
            del self.rows[key]
        return len(gone)


class InMemoryAccounts(Accounts):
    """Login's cross-tenant view over several tenants' users and roles."""

    def __init__(self) -> None:
        self.tenants: dict[TenantId, Tenant] = {}
        self.users: dict[UserId, User] = {}
        self.roles: list[Role] = []

    async def find_by_email(self, email: str, tenant_slug: str | None) -> Sequence[tuple[User, Tenant]]:
        found = [
            (copy.copy(u), self.tenants[u.tenant_id])
            for u in self.users.values()
            if email_key(u.email) == email_key(email) and u.is_active and self.tenants[u.tenant_id].is_active
        ]
        if tenant_slug:
            found = [(u, t) for u, t in found if t.slug == tenant_slug.strip().lower()]
        return sorted(found, key=lambda pair: pair[1].slug)

    async def get(self, tenant_id: TenantId, user_id: UserId) -> tuple[User, Tenant] | None:
        user = self.users.get(user_id)
        if user is None or user.tenant_id != tenant_id or not user.is_active:
            return None
        return copy.copy(user), self.tenants[tenant_id]

    async def custom_roles(self, tenant_id: TenantId, names: Iterable[str]) -> Sequence[Role]:
        wanted = set(names)
        return [r for r in self.roles if r.tenant_id == tenant_id and r.name in wanted]

    async def record_login(self, tenant_id: TenantId, user_id: UserId, at: datetime) -> None:
        self.users[user_id].last_login_at = at


class PlainHasher(PasswordHasher):
    """``hash:<password>``: no cost, same contract."""

    async def hash(self, password: str) -> str:
        return f"hash:{password}"

    async def verify(self, password: str, password_hash: str) -> bool:
        return password_hash == f"hash:{password}"

    async def waste_time(self) -> None:
        pass


class CountingSecrets(Secrets):
    def __init__(self) -> None:
        self._n = 0

    def new(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}secret{self._n}"

    def digest(self, secret: str) -> str:
        return f"digest:{secret}"


class ClaimsTokens(AccessTokens):
    """Tokens are indexes into ``issued``: what a use case put in them can be read back."""

    def __init__(self) -> None:
        self.issued: list[AccessClaims] = []

    def issue(self, claims: AccessClaims) -> IssuedToken:
        self.issued.append(claims)
        return IssuedToken(str(len(self.issued) - 1), claims.expires_at)

    def verify(self, token: str) -> AccessClaims:
        return self.issued[int(token)]


class InMemoryLoginThrottle(LoginThrottle):
    """At most ``limit`` failures per key in any 60 seconds (the SQL throttle's contract), in memory."""

    def __init__(self, limit: int = 10, now: Callable[[], float] = lambda: 0.0) -> None:
        self._limit = limit
        self._now = now
        self.failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self.failures.setdefault(key, deque())
        while failures and failures[0] <= now - 60:
            failures.popleft()
        return failures

    async def check(self, keys: Sequence[str]) -> None:
        now = self._now()
        for key in keys:
            failures = self._recent(key, now)
            if len(failures) >= self._limit:
                wait = max(1, math.ceil(failures[0] + 60 - now))
                raise RateLimited(f"too many failed logins: try again in {wait} seconds", retry_after=wait)

    async def failed(self, keys: Sequence[str]) -> None:
        now = self._now()
        for key in keys:
            self._recent(key, now).append(now)

    async def succeeded(self, key: str) -> None:
        self.failures.pop(key, None)
