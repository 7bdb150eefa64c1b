"""Errors of the identity context (tenants, users, roles, API keys, sessions)."""

from prm.domain.shared.errors import Conflict, Forbidden, NotFound, RuleViolated, Unauthenticated


class InvalidCredentials(Unauthenticated):
    """Wrong email or password (never says which), or an unknown, expired or revoked token or key."""

    code = "identity.invalid_credentials"


class WeakPassword(RuleViolated):
    code = "identity.weak_password"


class InvalidIdentityInput(RuleViolated):
    code = "identity.invalid_input"


class TenantNotFound(NotFound):
    code = "identity.tenant_not_found"


class DuplicateSlug(Conflict):
    code = "identity.duplicate_slug"


class UserNotFound(NotFound):
    code = "identity.user_not_found"


class DuplicateEmail(Conflict):
    code = "identity.duplicate_email"


class RoleNotFound(NotFound):
    code = "identity.role_not_found"


class DuplicateRole(Conflict):
    code = "identity.duplicate_role"


class RoleInUse(Conflict):
    code = "identity.role_in_use"


class BuiltinRoleIsFixed(Forbidden):
    code = "identity.builtin_role_is_fixed"


class ApiKeyNotFound(NotFound):
    code = "identity.api_key_not_found"


class CannotLockOutYourself(Conflict):
    code = "identity.cannot_lock_out_yourself"


class GrantExceedsOwn(Forbidden):
    """A grant (roles to a user, permissions to an API key or a role) includes permissions the
    caller does not hold itself, or the user changed holds permissions the caller does not: no one
    hands out, or takes over, more than it has."""

    code = "identity.grant_exceeds_own"


class AdminOnly(Forbidden):
    """Only an admin-equivalent caller (one holding every permission) grants the ``admin`` role
    or creates, changes or deactivates a user holding it."""

    code = "identity.admin_only"


class LastAdmin(Conflict):
    """The change would leave the tenant without an active ``admin``: refused whoever asks (409:
    the caller may do this in general, the tenant's current state forbids it)."""

    code = "identity.last_admin"
