"""Consent records one at a time and searched, for the FHIR Consent interface. Not audited: the
consents API (``GET /communications/consents``, :class:`~prm.application.communications.consent_consents.GetConsents`)
is not either, since a record holds no clinical content (a channel, permit or deny, who recorded it)."""

from uuid import UUID

from prm.application.communications.consent_ports import ConsentEntry, ConsentEntryFilter, ConsentEntryQueries
from prm.application.shared.paging import Page, PageRequest
from prm.domain.shared.errors import NotFound


class ConsentNotFound(NotFound):
    """No consent record with this id for the caller's tenant (HTTP 404)."""

    code = "communications.consent_not_found"


class GetConsentEntry:
    """One consent record of the tenant and whether it is current; raises :class:`ConsentNotFound`
    (also for another tenant's)."""

    def __init__(self, queries: ConsentEntryQueries) -> None:
        self._queries = queries

    async def __call__(self, consent_id: UUID) -> ConsentEntry:
        entry = await self._queries.get(consent_id)
        if entry is None:
            raise ConsentNotFound(f"consent {consent_id} not found")
        return entry


class FindConsentEntries:
    """A page of the tenant's consent records matching the filter, newest first (an unknown
    patient has none: an empty page, not a 404)."""

    def __init__(self, queries: ConsentEntryQueries) -> None:
        self._queries = queries

    async def __call__(self, where: ConsentEntryFilter, page: PageRequest) -> Page[ConsentEntry]:
        return await self._queries.find(where, page)
