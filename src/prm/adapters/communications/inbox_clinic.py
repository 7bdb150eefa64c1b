"""The clinic's name for the inbox's answers, from the identity context's tenant record."""

from prm.application.communications.inbox_ports import ClinicName
from prm.application.identity.ports import TenantRepository
from prm.application.shared.context import RequestContext

FALLBACK = "Your clinic"


class ClinicNameFromTenant(ClinicName):
    """Same unit of work as the caller (REQUEST scope); the tenant's ``name``."""

    def __init__(self, tenants: TenantRepository, context: RequestContext) -> None:
        self._tenants = tenants
        self._context = context

    async def name(self) -> str:
        tenant = await self._tenants.get(self._context.tenant_id)
        return tenant.name if tenant is not None and tenant.name else FALLBACK
