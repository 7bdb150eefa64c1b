"""The organisation list (``GET /organizations``) and a hospital's or department's departments."""

from dataclasses import dataclass, field

from prm.application.organizations.create_organization import ENTITY
from prm.application.organizations.ports import OrganizationCriteria, OrganizationFinder, OrganizationRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.paging import Page, PageRequest
from prm.application.shared.ports import UnitOfWork
from prm.domain.organizations.errors import OrganizationNotFound
from prm.domain.organizations.ids import OrganizationId
from prm.domain.organizations.model import Organization, OrganizationStatus, OrganizationType
from prm.domain.shared.text import fold


@dataclass(frozen=True, slots=True, kw_only=True)
class ListOrganizationsQuery:
    """``search``: found anywhere in the name or the code, any case or accent; ``city``: the whole
    city of the address, any case or accent; ``part_of``: direct children of that organisation."""

    page: PageRequest = field(default_factory=PageRequest)
    type: OrganizationType | None = None
    part_of: OrganizationId | None = None
    status: OrganizationStatus | None = None
    city: str | None = None
    search: str | None = None


def _folded(text: str | None) -> str | None:
    return fold(text.strip()) if text and text.strip() else None


class ListOrganizations:
    """A page of the tenant's organisations, ordered by name (any case or accent), then id.

    Records one ``search`` audit event naming every organisation listed and commits.
    """

    def __init__(self, finder: OrganizationFinder, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._finder = finder
        self._audit = audit
        self._uow = uow

    async def __call__(self, query: ListOrganizationsQuery) -> Page[Organization]:
        criteria = OrganizationCriteria(
            type=query.type,
            part_of=query.part_of,
            status=query.status,
            city=_folded(query.city),
            search=_folded(query.search),
        )
        page = await self._finder.find(criteria, query.page)
        await self._audit.record(AuditAction.SEARCH, ENTITY, [o.id for o in page.items])
        await self._uow.commit()
        return page


@dataclass(frozen=True, slots=True, kw_only=True)
class ListDepartmentsQuery:
    organization_id: OrganizationId
    page: PageRequest = field(default_factory=PageRequest)
    status: OrganizationStatus | None = None


class ListDepartments:
    """A page of the organisations directly part of one (its departments), ordered by name.

    Raises ``OrganizationNotFound`` (404) for an id the tenant does not have. Records one
    ``search`` audit event naming every organisation listed and commits.
    """

    def __init__(
        self, organizations: OrganizationRepository, finder: OrganizationFinder, audit: AuditTrail, uow: UnitOfWork
    ) -> None:
        self._organizations = organizations
        self._finder = finder
        self._audit = audit
        self._uow = uow

    async def __call__(self, query: ListDepartmentsQuery) -> Page[Organization]:
        if await self._organizations.get(query.organization_id) is None:
            raise OrganizationNotFound(f"organization {query.organization_id} not found")
        criteria = OrganizationCriteria(part_of=query.organization_id, status=query.status)
        page = await self._finder.find(criteria, query.page)
        await self._audit.record(AuditAction.SEARCH, ENTITY, [o.id for o in page.items])
        await self._uow.commit()
        return page
