"""Ports of the patients context. Every implementation is tenant-scoped: it only ever sees the
rows of the tenant it was built for."""

from abc import abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from prm.application.shared.paging import Page, PageRequest
from prm.domain.patients.model import Patient, PatientStatus
from prm.domain.shared.ids import PatientId
from prm.domain.shared.person import AdministrativeGender


class PatientRepository(Protocol):
    """The patients of one tenant, as aggregates."""

    @abstractmethod
    async def add(self, patient: Patient) -> None:
        """Insert; raises ``DuplicateMrn`` when the tenant already has the MRN."""

    @abstractmethod
    async def get(self, patient_id: PatientId) -> Patient | None: ...

    @abstractmethod
    async def get_by_mrn(self, mrn: str) -> Patient | None: ...

    @abstractmethod
    async def exists(self, patient_id: PatientId) -> bool:
        """Whether the tenant has this patient (any status), without loading it."""

    @abstractmethod
    async def save(self, patient: Patient, *, expected_version: int) -> None:
        """Update the row if it is still at ``expected_version``; raises ``StaleVersion`` otherwise
        and ``DuplicateMrn`` when the new MRN is taken."""

    @abstractmethod
    async def get_many_by_mrn(self, mrns: Iterable[str]) -> dict[str, Patient]:
        """Patients keyed by MRN, for the MRNs that exist (batch look-up for imports)."""

    @abstractmethod
    async def add_many(self, patients: Sequence[Patient]) -> None:
        """Insert a batch in one round trip where the database allows it."""

    @abstractmethod
    async def save_many(self, patients: Sequence[tuple[Patient, int]]) -> None:
        """Update a batch of ``(patient, expected_version)``; raises ``StaleVersion`` if any moved."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TextMatch:
    """Free text matched as any of: a name (every token a prefix of a given or family name), phone
    digits (substring of an E.164 number), an email fragment, or an exact MRN."""

    name_prefixes: tuple[str, ...] = ()
    phone_digits: str | None = None
    email_fragment: str | None = None
    mrn: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientCriteria:
    """Filters that must all hold. Name prefixes and city are folded (see ``domain.shared.text``)."""

    text: TextMatch | None = None
    name_prefixes: tuple[str, ...] = ()
    family_prefix: str | None = None
    """Folded; the family name starts with it (FHIR's ``family`` search)."""
    given_prefix: str | None = None
    """Folded; one of the given names starts with it (FHIR's ``given`` search)."""
    phone_digits: str | None = None
    """Digits found anywhere in one of the patient's E.164 phones (a fragment typed)."""
    phone_e164: str | None = None
    """A whole number, ``+`` and digits: the patient has exactly this phone (an index look-up)."""
    email: str | None = None
    mrn: str | None = None
    identifier_system: str | None = None
    identifier_value: str | None = None
    birth_date: date | None = None
    gender: AdministrativeGender | None = None
    city: str | None = None
    status: PatientStatus | None = None


@dataclass(frozen=True, slots=True)
class Demographics:
    """Counts of a tenant's patients; each mapping's values add up to ``total``."""

    total: int
    by_gender: Mapping[str, int] = field(default_factory=dict)
    by_age_band: Mapping[str, int] = field(default_factory=dict)
    by_status: Mapping[str, int] = field(default_factory=dict)
    by_city: Mapping[str, int] = field(default_factory=dict)


AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0-17", 0, 17),
    ("18-34", 18, 34),
    ("35-49", 35, 49),
    ("50-64", 50, 64),
    ("65-79", 65, 79),
    ("80+", 80, None),
)
"""Age bands (label, youngest, oldest in whole years) of the demographics report."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientSummary:
    """What lists and searches show of a patient: a read model, built straight from storage
    without the aggregate's documents and rules (the reference API's ``PatientSimpleResponse``).

    ``full_name`` is the HumanName's text (prefixes, given names, family name, suffixes);
    ``phone`` and ``email`` are the first phone-like and email ContactPoints (E.164 and
    normalised); ``city`` the first address's city.
    """

    id: PatientId
    mrn: str
    full_name: str
    gender: AdministrativeGender
    birth_date: date | None
    phone: str | None
    email: str | None
    city: str | None
    status: PatientStatus

    @classmethod
    def of(cls, patient: Patient) -> "PatientSummary":
        d = patient.details
        return cls(
            id=patient.id,
            mrn=patient.mrn,
            full_name=d.name.text,
            gender=d.gender,
            birth_date=d.birth_date,
            phone=next(iter(d.phones), None),
            email=next(iter(d.emails), None),
            city=next((a.city for a in d.addresses if a.city), None),
            status=patient.status,
        )


class PatientFinder(Protocol):
    """Read side: searches and reports over one tenant's patients."""

    @abstractmethod
    async def find(self, criteria: PatientCriteria, page: PageRequest) -> Page[PatientSummary]:
        """Matching patients ordered by family then given name, then id. ``total`` may be a lower
        bound when there are very many (``Page.total_exact``)."""

    @abstractmethod
    async def first(self, criteria: PatientCriteria, limit: int) -> Sequence[PatientSummary]:
        """The first ``limit`` matches in the order of :meth:`find`, not counted (quick search)."""

    @abstractmethod
    async def demographics(self, today: date) -> Demographics:
        """Counts by gender, age band (``AGE_BANDS`` plus ``unknown``), status and city."""
