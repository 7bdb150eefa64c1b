"""The FHIR Organization search: the organisation list's filters plus an exact code (FHIR ``identifier``)."""

from dataclasses import dataclass, field

from prm.application.organizations.create_organization import ENTITY
from prm.application.organizations.ports import OrganizationCriteria, OrganizationFinder, OrganizationRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.paging import Page, PageRequest
from prm.application.shared.ports import UnitOfWork
from prm.domain.organizations.ids import OrganizationId
from prm.domain.organizations.model import Organization, OrganizationStatus, OrganizationType
from prm.domain.shared.text import fold


@dataclass(frozen=True, slots=True, kw_only=True)
class FindOrganizationRecordsQuery:
    """Filters that must all hold. ``code``: the whole code, any case; ``name``: found anywhere in
    the name or the code, ``city``: the address's whole city (both any case or accent);
    ``part_of``: direct children of that organisation."""

    page: PageRequest = field(default_factory=PageRequest)
    code: str | None = None
    name: str | None = None
    type: OrganizationType | None = None
    part_of: OrganizationId | None = None
    status: OrganizationStatus | None = None
    city: str | None = None


def _folded(text: str | None) -> str | None:
    return fold(text.strip()) if text and text.strip() else None


def _matches(organization: Organization, criteria: OrganizationCriteria) -> bool:
    d = organization.details
    return (
        (criteria.type is None or d.type is criteria.type)
        and (criteria.part_of is None or d.part_of == criteria.part_of)
        and (criteria.status is None or d.status is criteria.status)
        and (criteria.city is None or (d.address is not None and fold(d.address.city or "") == criteria.city))
        and (criteria.search is None or criteria.search in fold(d.name) or criteria.search in fold(d.code))
    )


class FindOrganizationRecords:
    """A page of the tenant's organisations, ordered by name then id (with ``code``: the one
    organisation of that code, if it passes the other filters).

    Records one ``search`` audit event naming every organisation found and commits, as the
    organisation list does.
    """

    def __init__(
        self, organizations: OrganizationRepository, finder: OrganizationFinder, audit: AuditTrail, uow: UnitOfWork
    ) -> None:
        self._organizations = organizations
        self._finder = finder
        self._audit = audit
        self._uow = uow

    async def __call__(self, query: FindOrganizationRecordsQuery) -> Page[Organization]:
        criteria = OrganizationCriteria(
            type=query.type,
            part_of=query.part_of,
            status=query.status,
            city=_folded(query.city),
            search=_folded(query.name),
        )
        if query.code is not None:
            found = await self._organizations.get_by_code(query.code)
            items = [found] if found is not None and _matches(found, criteria) else []
            shown = items if query.page.page == 1 else []
            page = Page(shown, len(items), query.page.page, query.page.page_size)
        else:
            page = await self._finder.find(criteria, query.page)
        await self._audit.record(AuditAction.SEARCH, ENTITY, [o.id for o in page.items])
        await self._uow.commit()
        return page
