"""Tenants, users, roles and API keys.

A tenant is one organisation (a clinic, a hospital group); everything else belongs to exactly
one tenant. Users log in with email and password; integrations call with an API key. Both hold
permissions (see ``permissions``): users through roles, API keys directly.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import NewType
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from prm.domain.identity.errors import InvalidIdentityInput
from prm.domain.identity.permissions import ADMIN_ROLE, BUILTIN_ROLES, check_permissions
from prm.domain.shared.contact import check_region, normalize_email
from prm.domain.shared.ids import TenantId, new_id

UserId = NewType("UserId", UUID)
RoleId = NewType("RoleId", UUID)
ApiKeyId = NewType("ApiKeyId", UUID)

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_ROLE_NAME = re.compile(r"^[a-z][a-z0-9_]{1,62}$")

TOKEN_FIELDS = frozenset({"roles", "is_active", "password_hash"})
"""Changing one of these ends the user's access tokens (a new token generation)."""


def check_slug(slug: str) -> str:
    """Lower-case letters, digits and inner hyphens, 1 to 64 characters (``"st-marys"``)."""
    slug = slug.strip().lower()
    if not _SLUG.match(slug):
        raise InvalidIdentityInput("a slug has lower-case letters, digits and inner hyphens (1-64)", field="slug")
    return slug


def check_time_zone(name: str) -> str:
    """An IANA time zone name (``"Europe/London"``)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidIdentityInput(f"unknown time zone {name!r}", field="time_zone") from exc
    return name


def check_role_name(name: str) -> str:
    """snake_case, 2 to 63 characters, starting with a letter (``"night_nurse"``)."""
    name = name.strip().lower()
    if not _ROLE_NAME.match(name):
        raise InvalidIdentityInput("a role name is snake_case: a-z, 0-9 and _, 2-63 characters", field="name")
    return name


def email_key(email: str) -> str:
    """The case-insensitive form under which an email is unique within a tenant."""
    return email.strip().lower()


@dataclass(frozen=True, slots=True, kw_only=True)
class Tenant:
    """An organisation. ``phone_region`` (ISO 3166-1 alpha-2) reads phones typed without +country."""

    id: TenantId
    name: str
    slug: str
    time_zone: str = "UTC"
    phone_region: str = "US"
    is_active: bool = True
    created_at: datetime

    @classmethod
    def create(
        cls,
        *,
        name: str,
        slug: str,
        time_zone: str,
        phone_region: str,
        now: datetime,
        tenant_id: TenantId | None = None,
    ) -> "Tenant":
        if not name.strip():
            raise InvalidIdentityInput("a tenant needs a name", field="name")
        return cls(
            id=tenant_id or TenantId(new_id()),
            name=name.strip(),
            slug=check_slug(slug),
            time_zone=check_time_zone(time_zone),
            phone_region=check_region(phone_region),
            created_at=now,
        )


@dataclass(kw_only=True, eq=False)
class User:
    """A person who logs in. ``roles`` are role names (built-in or the tenant's own).

    ``token_generation`` is carried by every access token issued to the user (claim ``gen``):
    raising it (a role, password or active-flag change; see :data:`TOKEN_FIELDS`) makes every
    token issued before refused, without waiting for it to expire.
    """

    id: UserId
    tenant_id: TenantId
    email: str
    full_name: str
    password_hash: str = field(repr=False)
    roles: tuple[str, ...]
    is_active: bool = True
    last_login_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    version: int = 1
    token_generation: int = 1

    @property
    def is_admin(self) -> bool:
        """Holds the built-in ``admin`` role."""
        return ADMIN_ROLE in self.roles

    @classmethod
    def create(
        cls,
        *,
        tenant_id: TenantId,
        email: str,
        full_name: str,
        password_hash: str,
        roles: tuple[str, ...],
        now: datetime,
    ) -> "User":
        if not full_name.strip():
            raise InvalidIdentityInput("a user needs a full name", field="full_name")
        return cls(
            id=UserId(new_id()),
            tenant_id=tenant_id,
            email=normalize_email(email, field="email"),
            full_name=full_name.strip(),
            password_hash=password_hash,
            roles=tuple(dict.fromkeys(roles)),
            created_at=now,
            updated_at=now,
        )

    def revise(self, now: datetime, **changes: object) -> list[str]:
        """Apply ``changes`` (``email``, ``full_name``, ``roles``, ``is_active``, ``password_hash``);
        returns the names of the fields that changed. A change of a :data:`TOKEN_FIELDS` field also
        ends the user's access tokens (:meth:`end_sessions`)."""
        changed: list[str] = []
        for name, value in changes.items():
            if name == "email":
                value = normalize_email(str(value), field="email")
            elif name == "full_name":
                value = str(value).strip()
                if not value:
                    raise InvalidIdentityInput("a user needs a full name", field="full_name")
            elif name == "roles":
                value = tuple(dict.fromkeys(value))  # type: ignore[call-overload]
            if getattr(self, name) != value:
                setattr(self, name, value)
                changed.append(name)
        if changed:
            self.updated_at = now
            self.version += 1
        if TOKEN_FIELDS.intersection(changed):
            self.end_sessions()
        return changed

    def end_sessions(self) -> int:
        """Start a new token generation: every access token issued before is refused. Returns it."""
        self.token_generation += 1
        return self.token_generation


@dataclass(kw_only=True, eq=False)
class Role:
    """A named set of permissions. Built-in roles (``builtin``) are the same in every tenant and fixed."""

    id: RoleId
    tenant_id: TenantId | None
    name: str
    description: str
    permissions: frozenset[str]
    builtin: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def create(cls, *, tenant_id: TenantId, name: str, description: str, permissions: object, now: datetime) -> "Role":
        return cls(
            id=RoleId(new_id()),
            tenant_id=tenant_id,
            name=check_role_name(name),
            description=description.strip(),
            permissions=check_permissions(permissions),
            created_at=now,
            updated_at=now,
        )


def builtin_role_id(name: str) -> RoleId:
    """A fixed id per built-in role, the same in every tenant (UUIDv5 of its name)."""
    from uuid import NAMESPACE_URL, uuid5

    return RoleId(uuid5(NAMESPACE_URL, f"urn:prm:role:{name}"))


def is_builtin_role(name: str) -> bool:
    return name in BUILTIN_ROLES


@dataclass(kw_only=True, eq=False)
class ApiKey:
    """An integration's credential. Only ``key_hash`` (SHA-256 of the secret) is stored; the
    secret is shown once, when the key is created. ``prefix`` identifies the key in lists."""

    id: ApiKeyId
    tenant_id: TenantId
    name: str
    prefix: str
    key_hash: str = field(repr=False)
    permissions: frozenset[str]
    created_by: str | None
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
