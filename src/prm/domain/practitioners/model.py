"""The practitioner aggregate: a person who gives care on behalf of the tenant.

Modelled on FHIR R4 Practitioner (name, gender, qualification, telecom, address) with the parts
of PractitionerRole that the reference API keeps on the practitioner (speciality, the practice
as ``organization``). Rules kept here:

- first and last names are required and not blank; optional texts are absent or not blank;
- texts fit their limits (``MAX_LENGTHS``, in characters), which are also the storage limits;
- ``meta_data`` is a JSON object (string keys; values null, booleans, numbers, strings, lists
  or objects), at most ``META_DATA_MAX_DEPTH`` levels deep, with at most ``META_DATA_MAX_ITEMS``
  keys and values and ``META_DATA_MAX_TEXT`` characters of keys and strings in all;
- the license number and the source-system id (``external_id``) are unique per tenant: the
  repository enforces both.

Phones are E.164 and emails normalised by the time they get here (the application does it with
the tenant's phone region).
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from prm.domain.practitioners.errors import InvalidPractitioner
from prm.domain.practitioners.events import PractitionerDeleted, PractitionerRegistered, PractitionerUpdated
from prm.domain.shared.contact import Address
from prm.domain.shared.ids import PractitionerId, TenantId, new_id
from prm.domain.shared.person import AdministrativeGender
from prm.domain.shared.text import fold, prefixes_all_found, tokens

MAX_LENGTHS: Mapping[str, int] = {
    "first_name": 200,
    "middle_name": 200,
    "last_name": 200,
    "prefix": 50,
    "qualification": 200,
    "speciality": 200,
    "sub_speciality": 200,
    "license_number": 100,
    "registration_number": 100,
    "phone_primary": 32,
    "email_primary": 320,
    "external_id": 255,
}
"""Longest accepted value of each text field, in characters."""

ORGANIZATION_NAME_MAX = 200
ORGANIZATION_EXTERNAL_ID_MAX = 255
META_DATA_MAX_DEPTH = 8
META_DATA_MAX_ITEMS = 1_000
META_DATA_MAX_TEXT = 16_384


def display_name(prefix: str | None, first_name: str, last_name: str) -> str:
    """The name as shown in lists and dropdowns: ``"Dr. John Smith"`` (prefix, first, last; the
    middle name is left out, as in the reference API's example)."""
    return " ".join(part for part in (prefix, first_name, last_name) if part)


@dataclass(frozen=True, slots=True, kw_only=True)
class Organization:
    """The practitioner's practice (the organisation of a FHIR PractitionerRole).

    ``phone`` is E.164 once validated; ``external_id`` is the practice's id in the source system.
    Its rules (a name that is not blank, the limits) are checked by :class:`PractitionerDetails`,
    so that an importer can build one from any row and get a rejection rather than an exception.
    """

    name: str
    phone: str | None = None
    address: Address | None = None
    external_id: str | None = None

    def check(self) -> None:
        """Raise :class:`InvalidPractitioner` naming ``organization.<field>`` when a rule is broken."""
        if not self.name.strip():
            raise InvalidPractitioner("the organization needs a name", field="organization.name")
        if len(self.name) > ORGANIZATION_NAME_MAX:
            raise InvalidPractitioner(
                f"organization name is longer than {ORGANIZATION_NAME_MAX} characters", field="organization.name"
            )
        if self.phone is not None and len(self.phone) > MAX_LENGTHS["phone_primary"]:
            raise InvalidPractitioner("organization phone is too long", field="organization.phone")
        if self.external_id is not None and not (0 < len(self.external_id.strip()) <= ORGANIZATION_EXTERNAL_ID_MAX):
            raise InvalidPractitioner(
                f"organization external_id must be 1 to {ORGANIZATION_EXTERNAL_ID_MAX} non-blank characters",
                field="organization.external_id",
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class PractitionerDetails:
    """Everything about a practitioner that a person can edit (all of it but id, tenant and audit).

    Raises :class:`InvalidPractitioner`, naming the field, when a rule of the module docstring is broken.
    """

    first_name: str
    last_name: str
    middle_name: str | None = None
    prefix: str | None = None
    gender: AdministrativeGender = AdministrativeGender.UNKNOWN
    qualification: str | None = None
    speciality: str | None = None
    sub_speciality: str | None = None
    license_number: str | None = None
    registration_number: str | None = None
    phone_primary: str | None = None
    email_primary: str | None = None
    address: Address | None = None
    organization: Organization | None = None
    is_active: bool = True
    meta_data: Mapping[str, object] = field(default_factory=dict)
    external_id: str | None = None

    def __post_init__(self) -> None:
        for name in ("first_name", "last_name"):
            if not getattr(self, name).strip():
                raise InvalidPractitioner(f"{name} must not be blank", field=name)
        for name, limit in MAX_LENGTHS.items():
            value: str | None = getattr(self, name)
            if value is None:
                continue
            if not value.strip():
                raise InvalidPractitioner(f"{name} must not be blank (leave it out instead)", field=name)
            if len(value) > limit:
                raise InvalidPractitioner(f"{name} is longer than {limit} characters", field=name)
        if self.organization is not None:
            self.organization.check()
        if not isinstance(self.meta_data, Mapping) or not _is_json_object(self.meta_data):
            raise InvalidPractitioner(
                f"meta_data must be a JSON object at most {META_DATA_MAX_DEPTH} levels deep", field="meta_data"
            )
        items, text = _json_size(self.meta_data)
        if items > META_DATA_MAX_ITEMS or text > META_DATA_MAX_TEXT:
            raise InvalidPractitioner(
                f"meta_data is too large (at most {META_DATA_MAX_ITEMS} keys and values and "
                f"{META_DATA_MAX_TEXT} characters of text)",
                field="meta_data",
            )

    @property
    def display_name(self) -> str:
        return display_name(self.prefix, self.first_name, self.last_name)

    def search_tokens(self) -> list[str]:
        """Folded tokens of the first, middle and last names (see ``domain.shared.text``)."""
        return tokens(" ".join(part for part in (self.first_name, self.middle_name, self.last_name) if part))

    def matches_name(self, prefixes: Sequence[str]) -> bool:
        """True when every folded prefix starts one of the name's tokens (``"jo", "smi"`` matches
        John Smith); an empty ``prefixes`` matches everyone."""
        return prefixes_all_found(self.search_tokens(), prefixes)

    @property
    def sort_key(self) -> str:
        """Folded ``"last first"``: lists are ordered by last name, then first name."""
        return f"{fold(self.last_name)} {fold(self.first_name)}"


def _json_size(value: object) -> tuple[int, int]:
    """``(keys and values, characters of keys and strings)`` of a JSON value already checked."""
    if isinstance(value, str):
        return 1, len(value)
    if isinstance(value, Mapping):
        items, text = 1, 0
        for key, item in value.items():
            inner_items, inner_text = _json_size(item)
            items, text = items + 1 + inner_items, text + len(key) + inner_text
        return items, text
    if isinstance(value, list | tuple):
        sizes = [_json_size(item) for item in value]
        return 1 + sum(i for i, _ in sizes), sum(t for _, t in sizes)
    return 1, 0


def _is_json_value(value: object, depth: int = 0) -> bool:
    if depth > META_DATA_MAX_DEPTH:
        return False
    if value is None or isinstance(value, bool | int | str):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list | tuple):
        return all(_is_json_value(v, depth + 1) for v in value)
    if isinstance(value, Mapping):
        return _is_json_object(value, depth + 1)
    return False


def _is_json_object(value: Mapping[Any, object], depth: int = 0) -> bool:
    return all(isinstance(k, str) and _is_json_value(v, depth) for k, v in value.items())


@dataclass(kw_only=True, eq=False)
class Practitioner:
    """A person who gives care on behalf of the tenant's organisation (FHIR R4 Practitioner)."""

    id: PractitionerId
    tenant_id: TenantId
    details: PractitionerDetails
    version: int
    created_at: datetime
    updated_at: datetime
    events: list[object] = field(default_factory=list, repr=False)

    @classmethod
    def register(
        cls,
        *,
        tenant_id: TenantId,
        details: PractitionerDetails,
        now: datetime,
        practitioner_id: PractitionerId | None = None,
    ) -> "Practitioner":
        """A new practitioner at version 1; records :class:`PractitionerRegistered`."""
        practitioner = cls(
            id=practitioner_id or PractitionerId(new_id()),
            tenant_id=tenant_id,
            details=details,
            version=1,
            created_at=now,
            updated_at=now,
        )
        practitioner.events.append(PractitionerRegistered(practitioner.id))
        return practitioner

    @property
    def name(self) -> str:
        """The display name, ``"Dr. John Smith"``."""
        return self.details.display_name

    @property
    def is_active(self) -> bool:
        return self.details.is_active

    def revise(self, now: datetime, **changes: Any) -> tuple[str, ...]:
        """Apply ``changes`` (``PractitionerDetails`` field names), returning the names that changed.

        A revision that changes something bumps the version and records
        :class:`PractitionerUpdated` (field names only). Raises :class:`InvalidPractitioner`, and
        leaves the practitioner untouched, when the result breaks a rule.
        """
        unknown = set(changes) - set(PractitionerDetails.__dataclass_fields__)
        if unknown:
            raise InvalidPractitioner(f"cannot change {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
        candidate = replace(self.details, **changes)
        changed = tuple(name for name in changes if getattr(candidate, name) != getattr(self.details, name))
        if not changed:
            return ()
        self.details = candidate
        self.updated_at = now
        self.version += 1
        self.events.append(PractitionerUpdated(self.id, changed))
        return changed

    def delete(self) -> None:
        """Mark the practitioner for permanent removal (reference API: DELETE removes the record);
        records :class:`PractitionerDeleted`."""
        self.events.append(PractitionerDeleted(self.id))
