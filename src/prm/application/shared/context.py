"""Who is calling, for which tenant: the one object every use case gets from its entrypoint.

HTTP builds it from the request (today: the configured default tenant and an anonymous
principal; with identity, from the verified token), the CLI and the library from their
arguments. Use cases never look anywhere else for the tenant.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from prm.domain.shared.errors import TenantMismatch
from prm.domain.shared.ids import TenantId


class PrincipalKind(StrEnum):
    ANONYMOUS = "anonymous"
    USER = "user"
    API_KEY = "api_key"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Principal:
    """The acting party: a user, an integration's API key, a batch job (system) or nobody."""

    kind: PrincipalKind
    id: str | None = None
    permissions: frozenset[str] = field(default_factory=frozenset)


ANONYMOUS = Principal(PrincipalKind.ANONYMOUS)
SYSTEM = Principal(PrincipalKind.SYSTEM, id="system")


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestContext:
    """Tenant, principal and tenant-level preferences of one unit of work.

    ``phone_region`` is the ISO 3166-1 alpha-2 region for phones typed without a country code.
    """

    tenant_id: TenantId
    principal: Principal
    phone_region: str = "US"
    request_id: str | None = None
    client_ip: str | None = None

    def ensure_tenant(self, claimed: object) -> None:
        """Refuse a ``tenant_id`` given in a request that is not the caller's own.

        ``claimed`` is the value as given (``None`` when absent: nothing to check). Raises
        :class:`TenantMismatch` (HTTP 403).
        """
        if claimed is not None and claimed != self.tenant_id:
            raise TenantMismatch("tenant_id does not match the caller's tenant")
