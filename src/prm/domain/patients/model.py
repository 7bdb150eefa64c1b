"""The patient aggregate, modelled on FHIR R4 Patient.

Rules kept here:

- exactly one identifier of type ``MR`` (the medical record number, unique per tenant: the
  repository enforces uniqueness), and no two identifiers with the same system and value;
- texts fit the limits below (MRN 64, identifiers 255, family and given names 200 characters);
- a birth date is not in the future; a deceased date is not before the birth date nor in the
  future; recording a deceased date makes the status ``deceased``;
- a deceased patient cannot be re-activated.
"""

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from prm.domain.patients.errors import InvalidPatient, PatientIsDeceased, PatientIsMerged
from prm.domain.patients.events import (
    PatientDeactivated,
    PatientReactivated,
    PatientRegistered,
    PatientUpdated,
)
from prm.domain.patients.links import PatientLink
from prm.domain.shared.contact import Address, ContactPoint, ContactPointSystem
from prm.domain.shared.ids import PatientId, TenantId, new_id
from prm.domain.shared.person import AdministrativeGender, HumanName

IDENTIFIER_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0203"
"""HL7 v2 table 0203 (Identifier Type), the code system of ``Identifier.type`` in FHIR R4."""

MRN_TYPE = "MR"
DEFAULT_MRN_SYSTEM = "urn:prm:mrn"

MAX_MRN_LENGTH = 64
MAX_IDENTIFIER_LENGTH = 255
MAX_NAME_LENGTH = 200
"""Limits in characters; the storage columns are sized to them."""

_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


class PatientStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    DECEASED = "deceased"
    MERGED = "merged"
    """Merged into another record (see ``links``): kept for history and undo."""


class MaritalStatus(StrEnum):
    """FHIR R4 marital-status value set (HL7 v3 MaritalStatus codes, plus ``UNK``)."""

    ANNULLED = "A"
    DIVORCED = "D"
    INTERLOCUTORY = "I"
    LEGALLY_SEPARATED = "L"
    MARRIED = "M"
    POLYGAMOUS = "P"
    NEVER_MARRIED = "S"
    DOMESTIC_PARTNER = "T"
    UNMARRIED = "U"
    WIDOWED = "W"
    UNKNOWN = "UNK"


@dataclass(frozen=True, slots=True)
class Identifier:
    """FHIR R4 Identifier: ``system`` (a URI namespace), ``value``, and the v2-0203 ``type`` code."""

    system: str
    value: str
    type: str | None = None

    def __post_init__(self) -> None:
        if not self.system.strip() or not self.value.strip():
            raise InvalidPatient("identifier system and value must not be blank", field="identifiers")


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientDetails:
    """Everything about a patient that a person can edit (all of it but id, tenant and audit)."""

    identifiers: tuple[Identifier, ...]
    name: HumanName
    gender: AdministrativeGender = AdministrativeGender.UNKNOWN
    birth_date: date | None = None
    deceased_date: date | None = None
    telecom: tuple[ContactPoint, ...] = ()
    addresses: tuple[Address, ...] = ()
    preferred_language: str | None = None
    marital_status: MaritalStatus | None = None

    def checked(self, today: date) -> "PatientDetails":
        """Return self after checking the invariants in the module docstring (raises InvalidPatient)."""
        mrns = [i for i in self.identifiers if i.type == MRN_TYPE]
        if len(mrns) != 1:
            raise InvalidPatient("a patient needs exactly one identifier of type MR (the MRN)", field="identifiers")
        if len(mrns[0].value) > MAX_MRN_LENGTH:
            raise InvalidPatient(f"the MRN is longer than {MAX_MRN_LENGTH} characters", field="mrn")
        if any(len(i.system) > MAX_IDENTIFIER_LENGTH or len(i.value) > MAX_IDENTIFIER_LENGTH for i in self.identifiers):
            raise InvalidPatient(
                f"identifier systems and values are at most {MAX_IDENTIFIER_LENGTH} characters", field="identifiers"
            )
        if len(self.name.family or "") > MAX_NAME_LENGTH or len(" ".join(self.name.given)) > MAX_NAME_LENGTH:
            raise InvalidPatient(f"family and given names are at most {MAX_NAME_LENGTH} characters each", field="name")
        if any(a.city and len(a.city) > MAX_NAME_LENGTH for a in self.addresses):
            raise InvalidPatient(f"a city name is at most {MAX_NAME_LENGTH} characters", field="addresses")
        keys = [(i.system, i.value) for i in self.identifiers]
        if len(set(keys)) != len(keys):
            raise InvalidPatient("identifiers must not repeat the same system and value", field="identifiers")
        if self.birth_date and self.birth_date > today:
            raise InvalidPatient("birth date is in the future", field="birth_date")
        if self.deceased_date:
            if self.deceased_date > today:
                raise InvalidPatient("deceased date is in the future", field="deceased_date")
            if self.birth_date and self.deceased_date < self.birth_date:
                raise InvalidPatient("deceased date is before the birth date", field="deceased_date")
        if self.preferred_language and not _LANGUAGE_TAG.match(self.preferred_language):
            raise InvalidPatient(
                "preferred language must be a BCP 47 tag such as 'en' or 'es-MX'", field="preferred_language"
            )
        return self

    @property
    def mrn(self) -> str:
        return next(i.value for i in self.identifiers if i.type == MRN_TYPE)

    @property
    def phones(self) -> list[str]:
        return [c.value for c in self.telecom if c.is_phone]

    @property
    def emails(self) -> list[str]:
        return [c.value for c in self.telecom if c.system is ContactPointSystem.EMAIL]


@dataclass(kw_only=True, eq=False)
class Patient:
    """A person receiving care from the tenant's organisation (FHIR R4 Patient)."""

    id: PatientId
    tenant_id: TenantId
    details: PatientDetails
    status: PatientStatus
    version: int
    created_at: datetime
    updated_at: datetime
    links: tuple[PatientLink, ...] = ()
    """FHIR R4 ``Patient.link``: ``replaced-by`` on a merged record, ``replaces`` on its survivor."""
    events: list[object] = field(default_factory=list, repr=False)

    @classmethod
    def register(
        cls, *, tenant_id: TenantId, details: PatientDetails, now: datetime, patient_id: PatientId | None = None
    ) -> "Patient":
        """A new patient: active, or deceased when a deceased date is known. Version 1."""
        details = details.checked(now.date())
        patient = cls(
            id=patient_id or PatientId(new_id()),
            tenant_id=tenant_id,
            details=details,
            status=PatientStatus.DECEASED if details.deceased_date else PatientStatus.ACTIVE,
            version=1,
            created_at=now,
            updated_at=now,
        )
        patient.events.append(PatientRegistered(patient.id))
        return patient

    @property
    def mrn(self) -> str:
        return self.details.mrn

    def revise(self, now: datetime, **changes: Any) -> tuple[str, ...]:
        """Apply ``changes`` (``PatientDetails`` field names), returning the names that changed.

        A new deceased date makes the patient deceased. Raises :class:`InvalidPatient`, or
        :class:`PatientIsMerged` for a merged record; the patient is left untouched when it does.
        """
        self._refuse_if_merged()
        candidate = replace(self.details, **changes).checked(now.date())
        changed = tuple(name for name in changes if getattr(candidate, name) != getattr(self.details, name))
        if not changed:
            return ()
        self.details = candidate
        if candidate.deceased_date and self.status is not PatientStatus.DECEASED:
            self.status = PatientStatus.DECEASED
        self._touch(now)
        self.events.append(PatientUpdated(self.id, changed))
        return changed

    def deactivate(self, now: datetime) -> None:
        """Soft delete: the record stays, with status ``inactive``. A no-op when not active;
        raises :class:`PatientIsMerged` for a merged record."""
        self._refuse_if_merged()
        if self.status is PatientStatus.ACTIVE:
            self.status = PatientStatus.INACTIVE
            self._touch(now)
            self.events.append(PatientDeactivated(self.id))

    def activate(self, now: datetime) -> None:
        """Re-activate an inactive patient. Raises :class:`PatientIsDeceased` for a deceased one,
        :class:`PatientIsMerged` for a merged one."""
        self._refuse_if_merged()
        if self.status is PatientStatus.DECEASED:
            raise PatientIsDeceased("a deceased patient cannot be re-activated", field="status")
        if self.status is PatientStatus.INACTIVE:
            self.status = PatientStatus.ACTIVE
            self._touch(now)
            self.events.append(PatientReactivated(self.id))

    def _refuse_if_merged(self) -> None:
        if self.status is PatientStatus.MERGED:
            raise PatientIsMerged(f"patient {self.id} is merged into another record; change its survivor")

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
        self.version += 1
