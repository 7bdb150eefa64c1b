"""Ports of the practitioners context. Every implementation is tenant-scoped: it only ever sees
the rows of the tenant it was built for."""

from abc import abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from prm.application.shared.paging import Page, PageRequest
from prm.domain.practitioners.model import Practitioner
from prm.domain.shared.ids import PractitionerId


class PractitionerRepository(Protocol):
    """The practitioners of one tenant, as aggregates."""

    @abstractmethod
    async def add(self, practitioner: Practitioner) -> None:
        """Insert; raises ``DuplicateLicense`` / ``DuplicateExternalId`` when the tenant has the key already."""

    @abstractmethod
    async def get(self, practitioner_id: PractitionerId) -> Practitioner | None: ...

    @abstractmethod
    async def exists(self, practitioner_id: PractitionerId) -> bool:
        """Whether the tenant has this practitioner (a cheap check: no aggregate is loaded)."""

    @abstractmethod
    async def get_by_license_number(self, license_number: str) -> Practitioner | None: ...

    @abstractmethod
    async def get_by_external_id(self, external_id: str) -> Practitioner | None: ...

    @abstractmethod
    async def save(self, practitioner: Practitioner, *, expected_version: int) -> None:
        """Update the row if it is still at ``expected_version``; raises ``StaleVersion`` otherwise,
        ``DuplicateLicense`` / ``DuplicateExternalId`` when a new key is taken."""

    @abstractmethod
    async def remove(self, practitioner: Practitioner) -> None:
        """Delete the row for good if it is still at ``practitioner.version``; raises ``StaleVersion`` otherwise."""

    @abstractmethod
    async def get_many_by_external_id(self, external_ids: Iterable[str]) -> dict[str, Practitioner]:
        """Practitioners keyed by external id, for the ids that exist (one query, for imports)."""

    @abstractmethod
    async def get_many_by_license_number(self, license_numbers: Iterable[str]) -> dict[str, Practitioner]:
        """Practitioners keyed by license number, for the numbers that exist (one query, for imports)."""

    @abstractmethod
    async def add_many(self, practitioners: Sequence[Practitioner]) -> None:
        """Insert a batch in one round trip where the database allows it; errors as :meth:`add`."""

    @abstractmethod
    async def save_many(self, practitioners: Sequence[tuple[Practitioner, int]]) -> None:
        """Update a batch of ``(practitioner, expected_version)``; raises ``StaleVersion`` if any moved."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PractitionerCriteria:
    """Filters that must all hold.

    ``name_prefixes`` are folded tokens, each the start of a first, middle or last name token;
    ``speciality`` is folded (see ``domain.shared.text.fold``) and matched exactly against the
    folded speciality; ``is_active`` ``None`` means either.
    """

    name_prefixes: tuple[str, ...] = ()
    speciality: str | None = None
    is_active: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PractitionerSummary:
    """What a dropdown needs: id, display name (``"Dr. John Smith"``), speciality and status."""

    id: PractitionerId
    name: str
    speciality: str | None
    is_active: bool


class PractitionerFinder(Protocol):
    """Read side: lists and look-ups over one tenant's practitioners."""

    @abstractmethod
    async def find(self, criteria: PractitionerCriteria, page: PageRequest) -> Page[Practitioner]:
        """Matching practitioners ordered by last name, then first name (folded), then id."""

    @abstractmethod
    async def summaries(self, criteria: PractitionerCriteria, limit: int) -> Sequence[PractitionerSummary]:
        """At most ``limit`` matching practitioners, in the order of :meth:`find`."""

    @abstractmethod
    async def specialities(self) -> Sequence[str]:
        """The distinct specialities in use (as written), sorted case- and accent-insensitively."""
