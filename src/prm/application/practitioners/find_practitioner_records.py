"""Practitioners by identifier, name and status, as FHIR's Practitioner search asks for them."""

from dataclasses import dataclass, field

from prm.application.practitioners.list_practitioners import ListPractitioners, ListPractitionersQuery
from prm.application.practitioners.ports import PractitionerRepository
from prm.application.shared.paging import Page, PageRequest
from prm.domain.practitioners.model import Practitioner
from prm.domain.shared.text import tokens

LICENSE_SYSTEM = "urn:prm:license"
EXTERNAL_ID_SYSTEM = "urn:prm:external-id"
"""The identifier systems PRM gives a practitioner's license number and source-system id."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FindPractitionerRecordsQuery:
    """``identifier``: ``value`` (a license number or source-system id) or ``system|value`` with
    one of the systems above (FHIR token syntax); ``name``: word prefixes; ``is_active``: ``None``
    for both."""

    identifier: str | None = None
    name: str | None = None
    is_active: bool | None = None
    page: PageRequest = field(default_factory=PageRequest)


class FindPractitionerRecords:
    """A page of matching practitioners, by last then first name. With an identifier, the one
    practitioner it names (if the other criteria hold too): at most one entry."""

    def __init__(self, list_practitioners: ListPractitioners, practitioners: PractitionerRepository) -> None:
        self._list = list_practitioners
        self._practitioners = practitioners

    async def __call__(self, query: FindPractitionerRecordsQuery) -> Page[Practitioner]:
        if not (query.identifier and query.identifier.strip()):
            return await self._list(
                ListPractitionersQuery(page=query.page, search=query.name, is_active=query.is_active)
            )
        found = await self._by_identifier(query.identifier.strip())
        if found is not None and not _holds(found, query):
            found = None
        items = [found] if found is not None and query.page.page == 1 else []
        return Page(items, 1 if found is not None else 0, query.page.page, query.page.page_size)

    async def _by_identifier(self, token: str) -> Practitioner | None:
        system, _, value = token.rpartition("|")
        value = value.strip()
        if not value:
            return None
        if system in ("", LICENSE_SYSTEM):
            found = await self._practitioners.get_by_license_number(value)
            if found is not None:
                return found
        if system in ("", EXTERNAL_ID_SYSTEM):
            return await self._practitioners.get_by_external_id(value)
        return None


def _holds(practitioner: Practitioner, query: FindPractitionerRecordsQuery) -> bool:
    """Whether the name and status criteria hold for ``practitioner``."""
    if query.is_active is not None and practitioner.is_active is not query.is_active:
        return False
    return not query.name or practitioner.details.matches_name(tokens(query.name))
