"""Hand-written in-memory fakes of the ports the organisations use cases need.

They keep the SQL adapters' contract: tenant-scoped, a code unique per tenant in any case,
optimistic versions, a would-be parent read with everything above it, ordering by folded name,
and copies on the way in and out (so a use case cannot change "stored" state without saving it).
"""

import copy

from prm.application.organizations.ports import OrganizationCriteria, OrganizationFinder, OrganizationRepository
from prm.application.shared.paging import Page, PageRequest
from prm.domain.organizations.errors import DuplicateOrganizationCode, HierarchyChanged
from prm.domain.organizations.ids import OrganizationId
from prm.domain.organizations.model import Organization, OrganizationType, ParentOrganization, code_key
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import TenantId
from prm.domain.shared.text import fold
from tests.fakes import FakeUnitOfWork, FixedClock, InMemoryAuditTrail, InMemoryOutbox

__all__ = ["FakeUnitOfWork", "FixedClock", "InMemoryAuditTrail", "InMemoryOrganizations", "InMemoryOutbox"]


def _stored(organization: Organization) -> Organization:
    clone = copy.copy(organization)
    clone.events = []
    return clone


class InMemoryOrganizations(OrganizationRepository, OrganizationFinder):
    """Repository and finder over one dict (which may hold several tenants' rows), scoped to ``tenant_id``."""

    def __init__(self, tenant_id: TenantId, rows: dict[OrganizationId, Organization] | None = None) -> None:
        self.tenant_id = tenant_id
        self.rows: dict[OrganizationId, Organization] = rows if rows is not None else {}

    def _mine(self) -> list[Organization]:
        return [o for o in self.rows.values() if o.tenant_id == self.tenant_id]

    def _check_code(self, organization: Organization) -> None:
        for other in self._mine():
            if other.id != organization.id and other.details.code_key == organization.details.code_key:
                raise DuplicateOrganizationCode("an organization with this code already exists")

    def _check_parent(self, organization: Organization) -> None:
        part_of = organization.part_of
        if part_of is not None and (part_of not in self.rows or self.rows[part_of].tenant_id != self.tenant_id):
            raise HierarchyChanged("no such parent")  # the foreign key

    # --- repository ------------------------------------------------------------------------------

    async def add(self, organization: Organization) -> None:
        self._check_code(organization)
        self._check_parent(organization)
        self.rows[organization.id] = _stored(organization)

    async def get(self, organization_id: OrganizationId) -> Organization | None:
        found = self.rows.get(organization_id)
        return _stored(found) if found is not None and found.tenant_id == self.tenant_id else None

    async def get_by_code(self, code: str) -> Organization | None:
        return next((_stored(o) for o in self._mine() if o.details.code_key == code_key(code)), None)

    async def parent(self, organization_id: OrganizationId) -> ParentOrganization | None:
        found = await self.get(organization_id)
        if found is None:
            return None
        ancestors: list[OrganizationId] = []
        above = found.part_of
        while above is not None and above not in ancestors:
            ancestors.append(above)
            above = self.rows[above].part_of
        return ParentOrganization(id=found.id, type=found.type, ancestors=tuple(ancestors))

    async def child_types(self, organization_id: OrganizationId) -> frozenset[OrganizationType]:
        return frozenset(o.type for o in self._mine() if o.part_of == organization_id)

    async def save(self, organization: Organization, *, expected_version: int) -> None:
        current = self.rows.get(organization.id)
        if current is None or current.tenant_id != self.tenant_id or current.version != expected_version:
            raise StaleVersion("the organization was changed by someone else")
        self._check_code(organization)
        self._check_parent(organization)
        self.rows[organization.id] = _stored(organization)

    async def remove(self, organization: Organization) -> None:
        current = self.rows.get(organization.id)
        if current is None or current.tenant_id != self.tenant_id or current.version != organization.version:
            raise StaleVersion("the organization was changed or deleted by someone else")
        if any(o.part_of == organization.id for o in self._mine()):
            raise HierarchyChanged("an organization is part of it")  # the foreign key
        del self.rows[organization.id]

    # --- finder ----------------------------------------------------------------------------------

    async def find(self, criteria: OrganizationCriteria, page: PageRequest) -> Page[Organization]:
        c = criteria
        found = sorted(
            (
                o
                for o in self._mine()
                if (c.type is None or o.type == c.type)
                and (c.part_of is None or o.part_of == c.part_of)
                and (c.status is None or o.details.status == c.status)
                and (c.city is None or (o.details.city is not None and fold(o.details.city) == c.city))
                and (c.search is None or c.search in o.details.sort_key or c.search in o.details.code_key)
            ),
            key=lambda o: (o.details.sort_key, o.id),
        )
        items = [_stored(o) for o in found[page.offset : page.offset + page.page_size]]
        return Page(items, len(found), page.page, page.page_size)
