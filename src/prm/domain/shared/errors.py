"""Error categories of the domain.

Every error a use case may raise derives from :class:`DomainError` and sets a stable ``code``
(``"<context>.<snake_case>"``). Entrypoints map the *category* to a protocol status once for the
whole application: :class:`RuleViolated` 422, :class:`NotFound` 404, :class:`Conflict` 409,
:class:`Forbidden` 403, :class:`Unauthenticated` 401, :class:`RateLimited` 429.
"""


class DomainError(Exception):
    """Base of every expected, user-facing failure; ``str(error)`` is a readable sentence."""

    code = "prm.error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class RuleViolated(DomainError):
    """The input breaks a business rule (HTTP 422).

    ``field`` names the offending attribute as a dotted path (``"telecom.0.value"``) when the rule
    is about one field, so that clients can point at it.
    """

    code = "prm.rule_violated"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.field = field


class NotFound(DomainError):
    """The entity does not exist *for the caller's tenant* (HTTP 404)."""

    code = "prm.not_found"


class Conflict(DomainError):
    """The change collides with the current state: duplicate key, stale version (HTTP 409)."""

    code = "prm.conflict"


class Gone(DomainError):
    """The thing existed but is no longer available: an expired link (HTTP 410)."""

    code = "prm.gone"


class Forbidden(DomainError):
    """The caller may not do this (HTTP 403)."""

    code = "prm.forbidden"


class Unauthenticated(DomainError):
    """No valid credentials: missing, wrong, expired or revoked (HTTP 401)."""

    code = "prm.unauthenticated"


class RateLimited(DomainError):
    """Too many attempts; ``retry_after`` is the number of seconds to wait (HTTP 429)."""

    code = "prm.rate_limited"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class StaleVersion(Conflict):
    """Optimistic concurrency: the entity changed since the caller read it."""

    code = "prm.stale_version"


class TenantMismatch(Forbidden):
    """A ``tenant_id`` given in a request differs from the caller's own tenant."""

    code = "prm.tenant_mismatch"


class PatientNotFound(NotFound):
    """No patient with this id (or MRN) in the caller's tenant (HTTP 404); one class for every
    context that looks patients up (the patients context re-exports it)."""

    code = "patients.not_found"


class PractitionerNotFound(NotFound):
    """No practitioner with this id in the caller's tenant (HTTP 404); one class for every context."""

    code = "practitioners.not_found"
