"""Hand-written in-memory fakes of the ports the practitioners use cases need.

They keep the SQL adapters' contract: tenant-scoped, unique license number and external id per
tenant, optimistic versions, ordering by folded last then first name, and copies on the way in
and out (so a use case cannot change "stored" state without saving it).
"""

import copy
from collections.abc import Iterable, Sequence
from uuid import UUID

from prm.application.practitioners.ports import (
    PractitionerCriteria,
    PractitionerFinder,
    PractitionerRepository,
    PractitionerSummary,
)
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.paging import Page, PageRequest
from prm.domain.practitioners.errors import DuplicateExternalId, DuplicateLicense
from prm.domain.practitioners.model import Practitioner
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PractitionerId, TenantId
from prm.domain.shared.text import fold
from tests.fakes import FakeUnitOfWork, FixedClock, InMemoryOutbox

__all__ = ["FakeUnitOfWork", "FixedClock", "InMemoryOutbox"]


def _stored(practitioner: Practitioner) -> Practitioner:
    clone = copy.copy(practitioner)
    clone.events = []
    return clone


class InMemoryPractitioners(PractitionerRepository, PractitionerFinder):
    """Repository and finder over one dict, scoped to ``tenant_id``."""

    def __init__(self, tenant_id: TenantId) -> None:
        self.tenant_id = tenant_id
        self.rows: dict[PractitionerId, Practitioner] = {}
        self.add_many_calls = 0
        self.save_many_calls = 0

    def _mine(self) -> list[Practitioner]:
        return [p for p in self.rows.values() if p.tenant_id == self.tenant_id]

    def _check_keys(self, practitioner: Practitioner) -> None:
        for other in self._mine():
            if other.id == practitioner.id:
                continue
            d, o = practitioner.details, other.details
            if d.license_number is not None and d.license_number == o.license_number:
                raise DuplicateLicense("a practitioner with this license number already exists")
            if d.external_id is not None and d.external_id == o.external_id:
                raise DuplicateExternalId("a practitioner with this external_id already exists")

    # --- repository ------------------------------------------------------------------------------

    async def add(self, practitioner: Practitioner) -> None:
        self._check_keys(practitioner)
        self.rows[practitioner.id] = _stored(practitioner)

    async def add_many(self, practitioners: Sequence[Practitioner]) -> None:
        self.add_many_calls += 1
        for practitioner in practitioners:
            await self.add(practitioner)

    async def get(self, practitioner_id: PractitionerId) -> Practitioner | None:
        found = self.rows.get(practitioner_id)
        return _stored(found) if found is not None and found.tenant_id == self.tenant_id else None

    async def exists(self, practitioner_id: PractitionerId) -> bool:
        return await self.get(practitioner_id) is not None

    async def get_by_license_number(self, license_number: str) -> Practitioner | None:
        return next((_stored(p) for p in self._mine() if p.details.license_number == license_number), None)

    async def get_by_external_id(self, external_id: str) -> Practitioner | None:
        return next((_stored(p) for p in self._mine() if p.details.external_id == external_id), None)

    async def get_many_by_external_id(self, external_ids: Iterable[str]) -> dict[str, Practitioner]:
        wanted = set(external_ids)
        return {
            p.details.external_id: _stored(p)
            for p in self._mine()
            if p.details.external_id is not None and p.details.external_id in wanted
        }

    async def get_many_by_license_number(self, license_numbers: Iterable[str]) -> dict[str, Practitioner]:
        wanted = set(license_numbers)
        return {
            p.details.license_number: _stored(p)
            for p in self._mine()
            if p.details.license_number is not None and p.details.license_number in wanted
        }

    async def save(self, practitioner: Practitioner, *, expected_version: int) -> None:
        current = self.rows.get(practitioner.id)
        if current is None or current.tenant_id != self.tenant_id or current.version != expected_version:
            raise StaleVersion("the practitioner was changed by someone else")
        self._check_keys(practitioner)
        self.rows[practitioner.id] = _stored(practitioner)

    async def save_many(self, practitioners: Sequence[tuple[Practitioner, int]]) -> None:
        self.save_many_calls += 1
        for practitioner, expected in practitioners:
            await self.save(practitioner, expected_version=expected)

    async def remove(self, practitioner: Practitioner) -> None:
        current = self.rows.get(practitioner.id)
        if current is None or current.tenant_id != self.tenant_id or current.version != practitioner.version:
            raise StaleVersion("the practitioner was changed or deleted by someone else")
        del self.rows[practitioner.id]

    # --- finder ----------------------------------------------------------------------------------

    def _matching(self, criteria: PractitionerCriteria) -> list[Practitioner]:
        found = [
            p
            for p in self._mine()
            if p.details.matches_name(criteria.name_prefixes)
            and (
                criteria.speciality is None
                or (p.details.speciality is not None and fold(p.details.speciality) == criteria.speciality)
            )
            and (criteria.is_active is None or p.details.is_active == criteria.is_active)
        ]
        return sorted(found, key=lambda p: (p.details.sort_key, p.id))

    async def find(self, criteria: PractitionerCriteria, page: PageRequest) -> Page[Practitioner]:
        found = self._matching(criteria)
        items = [_stored(p) for p in found[page.offset : page.offset + page.page_size]]
        return Page(items, len(found), page.page, page.page_size)

    async def summaries(self, criteria: PractitionerCriteria, limit: int) -> Sequence[PractitionerSummary]:
        return [
            PractitionerSummary(id=p.id, name=p.name, speciality=p.details.speciality, is_active=p.is_active)
            for p in self._matching(criteria)[:limit]
        ]

    async def specialities(self) -> Sequence[str]:
        return sorted({p.details.speciality for p in self._mine() if p.details.speciality}, key=lambda s: (fold(s), s))


class InMemoryAuditTrail(AuditTrail):
    def __init__(self) -> None:
        self.events: list[tuple[str, str, UUID | None, tuple[str, ...]]] = []

    async def record(
        self, action: AuditAction, entity_type: str, entity_ids: Sequence[UUID] = (), changed_fields: Sequence[str] = ()
    ) -> None:
        ids: Sequence[UUID | None] = entity_ids or [None]
        for entity_id in ids:
            self.events.append((action.value, entity_type, entity_id, tuple(changed_fields)))
