"""What callers give to register, change or import a practitioner, before validation.

Texts arrive as typed: :func:`normalize_field` trims them (a blank optional text means "absent"),
turns phones into E.164 with the tenant's phone region and normalises emails; the aggregate then
checks its own rules (:mod:`prm.domain.practitioners.model`). Errors name the field at fault
(``phone_primary``, ``email_primary``, ``organization.phone``, ...).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, fields

from prm.domain.practitioners.errors import InvalidPractitioner
from prm.domain.practitioners.model import Organization, PractitionerDetails
from prm.domain.shared.contact import Address, normalize_email, normalize_phone
from prm.domain.shared.person import AdministrativeGender


@dataclass(frozen=True, slots=True, kw_only=True)
class PractitionerInput:
    """A practitioner as given to registration or import (reference API: ``PractitionerCreate``).

    ``phone_primary``, ``email_primary`` and ``organization.phone`` are raw, as typed; the use
    case normalises them with the tenant's region. ``external_id`` is the practitioner's id in
    the source system (a Synthea provider ``Id``, say): unique per tenant, and required by imports.
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


EDITABLE_FIELDS = frozenset(f.name for f in fields(PractitionerInput))
"""The fields a PATCH may change: exactly those of :class:`PractitionerInput`."""

_REQUIRED_TEXT = frozenset({"first_name", "last_name"})
_OPTIONAL_TEXT = frozenset(
    {
        "middle_name",
        "prefix",
        "qualification",
        "speciality",
        "sub_speciality",
        "license_number",
        "registration_number",
        "external_id",
    }
)


def build_details(given: PractitionerInput, region: str) -> PractitionerDetails:
    """The aggregate's details from ``given``, every field normalised (see :func:`normalize_field`).

    Raises ``RuleViolated`` (``InvalidPhoneNumber``, ``InvalidEmail``, ``InvalidPractitioner``)
    naming the first field at fault.
    """
    values = {name: normalize_field(name, getattr(given, name), region) for name in sorted(EDITABLE_FIELDS)}
    return PractitionerDetails(**values)  # type: ignore[arg-type]


def normalize_changes(changes: Mapping[str, object], region: str) -> dict[str, object]:
    """Normalise the fields of a partial update; unknown names raise ``InvalidPractitioner``."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        first = sorted(unknown)[0]
        raise InvalidPractitioner(f"cannot change {', '.join(sorted(unknown))}", field=first)
    return {name: normalize_field(name, value, region) for name, value in changes.items()}


def normalize_field(name: str, value: object, region: str) -> object:
    """One field's value as the aggregate keeps it.

    Texts are trimmed and blank optional texts become ``None``; ``phone_primary`` becomes E.164
    (``region``, ISO 3166-1 alpha-2, applies to numbers typed without a country code);
    ``email_primary`` is syntax-checked and normalised; an empty address becomes ``None``; the
    organization is normalised with :func:`build_organization`; ``meta_data`` is copied.
    """
    if name in _REQUIRED_TEXT:
        return _text(name, value) or ""
    if name in _OPTIONAL_TEXT:
        return _text(name, value)
    match name:
        case "phone_primary":
            text = _text(name, value)
            return normalize_phone(text, region, field=name) if text else None
        case "email_primary":
            text = _text(name, value)
            return normalize_email(text, field=name) if text else None
        case "address":
            return _address(name, value)
        case "organization":
            if value is None:
                return None
            if not isinstance(value, Organization):
                raise InvalidPractitioner("organization must be an Organization", field=name)
            return build_organization(value, region)
        case "gender":
            try:
                return AdministrativeGender(str(value))
            except ValueError as exc:
                raise InvalidPractitioner("gender must be male, female, other or unknown", field=name) from exc
        case "is_active":
            if not isinstance(value, bool):
                raise InvalidPractitioner("is_active must be true or false", field=name)
            return value
        case "meta_data":
            if not isinstance(value, Mapping):
                raise InvalidPractitioner("meta_data must be a JSON object", field=name)
            return dict(value)
    raise InvalidPractitioner(f"cannot change {name}", field=name)


def build_organization(given: Organization, region: str) -> Organization:
    """``given`` with its name and external id trimmed, its phone in E.164 (errors name
    ``organization.phone``) and an empty address dropped."""
    phone = _text("organization.phone", given.phone)
    return Organization(
        name=given.name.strip(),
        phone=normalize_phone(phone, region, field="organization.phone") if phone else None,
        address=_address("organization.address", given.address),
        external_id=_text("organization.external_id", given.external_id),
    )


def _text(name: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidPractitioner(f"{name} must be text", field=name)
    return value.strip() or None


def _address(name: str, value: object) -> Address | None:
    if value is None:
        return None
    if not isinstance(value, Address):
        raise InvalidPractitioner(f"{name} must be an Address", field=name)
    return None if value.is_empty() else value
