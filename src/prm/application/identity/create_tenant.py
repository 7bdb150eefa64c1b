"""Create a tenant (``prm tenants create``)."""

from dataclasses import dataclass

import structlog

from prm.application.identity.ports import TenantRepository
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.identity.errors import DuplicateSlug
from prm.domain.identity.model import Tenant
from prm.domain.shared.ids import TenantId

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateTenantCommand:
    """``time_zone`` is an IANA name, ``phone_region`` ISO 3166-1 alpha-2; ``tenant_id`` is
    chosen by PRM unless given (tests and migrations from other systems give it)."""

    name: str
    slug: str
    time_zone: str = "UTC"
    phone_region: str = "US"
    tenant_id: TenantId | None = None


class CreateTenant:
    """Create an organisation. Raises ``DuplicateSlug`` (409), ``RuleViolated`` (422)."""

    def __init__(self, tenants: TenantRepository, uow: UnitOfWork, clock: Clock) -> None:
        self._tenants = tenants
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: CreateTenantCommand) -> Tenant:
        tenant = Tenant.create(
            name=command.name,
            slug=command.slug,
            time_zone=command.time_zone,
            phone_region=command.phone_region,
            now=self._clock.now(),
            tenant_id=command.tenant_id,
        )
        if await self._tenants.get_by_slug(tenant.slug) is not None:
            raise DuplicateSlug(f"a tenant with slug {tenant.slug!r} exists already")
        await self._tenants.add(tenant)
        await self._uow.commit()
        log.info("tenant.created", tenant_id=str(tenant.id))
        return tenant
