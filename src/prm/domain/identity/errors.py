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
