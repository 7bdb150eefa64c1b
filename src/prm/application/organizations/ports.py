"""Ports of the organisations context. Every implementation is tenant-scoped: it only ever sees
the rows of the tenant it was built for."""

from abc import abstractmethod
from dataclasses import dataclass
from typing import Protocol

from prm.application.shared.paging import Page, PageRequest
from prm.domain.organizations.ids import OrganizationId
from prm.domain.organizations.model import Organization, OrganizationStatus, OrganizationType, ParentOrganization


class OrganizationRepository(Protocol):
    """The organisations of one tenant, as aggregates, and what the hierarchy rules need to know."""

    @abstractmethod
    async def add(self, organization: Organization) -> None:
        """Insert; raises ``DuplicateOrganizationCode`` when the tenant has the code already (any case)."""

    @abstractmethod
    async def get(self, organization_id: OrganizationId) -> Organization | None: ...

    @abstractmethod
    async def get_by_code(self, code: str) -> Organization | None:
        """The organisation with this code, whatever its case."""

    @abstractmethod
    async def parent(self, organization_id: OrganizationId) -> ParentOrganization | None:
        """The organisation as a would-be parent, with the ids of every organisation above it
        (nearest first); ``None`` when the tenant has no organisation by that id."""

    @abstractmethod
    async def child_types(self, organization_id: OrganizationId) -> frozenset[OrganizationType]:
        """The types of the organisations directly part of this one (empty: it has none)."""

    @abstractmethod
    async def save(self, organization: Organization, *, expected_version: int) -> None:
        """Update the row if it is still at ``expected_version``; raises ``StaleVersion`` otherwise,
        ``DuplicateOrganizationCode`` when the new code is taken."""

    @abstractmethod
    async def remove(self, organization: Organization) -> None:
        """Delete the row for good if it is still at ``organization.version``; raises ``StaleVersion``
        otherwise, ``HierarchyChanged`` when an organisation became part of it meanwhile."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrganizationCriteria:
    """Filters that must all hold; ``None`` filters nothing.

    ``city`` is folded (see ``domain.shared.text.fold``) and matched exactly against the folded
    city of the address; ``search`` is folded and found anywhere in the folded name or code.
    """

    type: OrganizationType | None = None
    part_of: OrganizationId | None = None
    status: OrganizationStatus | None = None
    city: str | None = None
    search: str | None = None


class OrganizationFinder(Protocol):
    """Read side: lists over one tenant's organisations."""

    @abstractmethod
    async def find(self, criteria: OrganizationCriteria, page: PageRequest) -> Page[Organization]:
        """Matching organisations ordered by folded name, then id."""
