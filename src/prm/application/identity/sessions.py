"""What login and refresh share: resolving permissions and issuing a token pair."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from prm.application.identity.ports import (
    AccessClaims,
    AccessTokens,
    RefreshRecord,
    RefreshTokens,
    Secrets,
    SessionPolicy,
)
from prm.domain.identity.model import Role, Tenant, User
from prm.domain.identity.permissions import BUILTIN_ROLES
from prm.domain.shared.ids import new_id

REFRESH_PREFIX = "prm_rt_"


def permissions_for(role_names: Iterable[str], custom_roles: Sequence[Role]) -> frozenset[str]:
    """The union of the permissions of the named roles; names that no longer exist grant nothing."""
    custom = {role.name: role.permissions for role in custom_roles}
    granted: set[str] = set()
    for name in role_names:
        granted |= BUILTIN_ROLES.get(name) or custom.get(name) or frozenset()
    return frozenset(granted)


def custom_role_names(role_names: Iterable[str]) -> list[str]:
    return [name for name in role_names if name not in BUILTIN_ROLES]


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionTokens:
    """``access`` (JWT, ``access_expires_at``), ``refresh`` (opaque; shown once), and the user."""

    access: str
    access_expires_at: datetime
    refresh: str
    user: User
    permissions: frozenset[str]


async def issue_session(
    *,
    user: User,
    tenant: Tenant,
    permissions: frozenset[str],
    family_id: UUID | None,
    now: datetime,
    tokens: AccessTokens,
    secrets: Secrets,
    refresh_tokens: RefreshTokens,
    policy: SessionPolicy,
) -> SessionTokens:
    """Issue an access token and store a new refresh token (in ``family_id``, or a new family).

    The family is the session: the access token carries it (``session_id``) with the user's
    current token generation, so that a logout or a generation change can refuse it early.
    """
    session_id = family_id or new_id()
    access = tokens.issue(
        AccessClaims(
            subject=str(user.id),
            tenant_id=tenant.id,
            roles=user.roles,
            permissions=permissions,
            phone_region=tenant.phone_region,
            expires_at=now + timedelta(minutes=policy.access_minutes),
            generation=user.token_generation,
            session_id=session_id,
        )
    )
    refresh = secrets.new(REFRESH_PREFIX)
    await refresh_tokens.add(
        RefreshRecord(
            id=new_id(),
            family_id=session_id,
            tenant_id=tenant.id,
            user_id=user.id,
            token_hash=secrets.digest(refresh),
            issued_at=now,
            expires_at=now + timedelta(days=policy.refresh_days),
        )
    )
    return SessionTokens(
        access=access.token,
        access_expires_at=access.expires_at,
        refresh=refresh,
        user=user,
        permissions=permissions,
    )
