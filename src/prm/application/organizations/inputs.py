"""What callers give to create or change an organisation, before validation.

Texts arrive as typed: :func:`normalize_field` trims them (a blank optional text means "absent"),
turns the phone into E.164 with the tenant's phone region and normalises the email; the aggregate
then checks its own rules (:mod:`prm.domain.organizations.model`). Errors name the field at fault.
"""

from collections.abc import Mapping
from dataclasses import dataclass, fields
from uuid import UUID

from prm.domain.organizations.errors import InvalidOrganization
from prm.domain.organizations.ids import OrganizationId
from prm.domain.organizations.model import OrganizationDetails, OrganizationStatus, OrganizationType
from prm.domain.shared.contact import Address, normalize_email, normalize_phone


@dataclass(frozen=True, slots=True, kw_only=True)
class OrganizationInput:
    """An organisation as given to creation (PX360's hospital and department bodies, FHIR names).

    ``phone`` and ``email`` are raw, as typed; the use case normalises them with the tenant's region.
    """

    name: str
    code: str
    type: OrganizationType
    part_of: OrganizationId | None = None
    address: Address | None = None
    phone: str | None = None
    email: str | None = None
    status: OrganizationStatus = OrganizationStatus.ACTIVE


EDITABLE_FIELDS = frozenset(f.name for f in fields(OrganizationInput))
"""The fields a PATCH may change: exactly those of :class:`OrganizationInput`."""


def build_details(given: OrganizationInput, region: str) -> OrganizationDetails:
    """The aggregate's details from ``given``, every field normalised (see :func:`normalize_field`).

    Raises ``RuleViolated`` (``InvalidPhoneNumber``, ``InvalidEmail``, ``InvalidOrganization``,
    ``InvalidHierarchy``) naming the first field at fault.
    """
    values = {name: normalize_field(name, getattr(given, name), region) for name in sorted(EDITABLE_FIELDS)}
    return OrganizationDetails(**values)  # type: ignore[arg-type]


def normalize_changes(given: Mapping[str, object], region: str) -> dict[str, object]:
    """Normalise the fields of a partial update; unknown names raise ``InvalidOrganization``."""
    unknown = set(given) - EDITABLE_FIELDS
    if unknown:
        first = sorted(unknown)[0]
        raise InvalidOrganization(f"cannot change {', '.join(sorted(unknown))}", field=first)
    return {name: normalize_field(name, value, region) for name, value in given.items()}


def normalize_field(name: str, value: object, region: str) -> object:
    """One field's value as the aggregate keeps it.

    ``name`` and ``code`` are trimmed; ``phone`` becomes E.164 (``region``, ISO 3166-1 alpha-2,
    applies to numbers typed without a country code); ``email`` is syntax-checked and normalised;
    blank optional texts and an empty address become ``None``; ``type`` and ``status`` are checked.
    """
    match name:
        case "name" | "code":
            return _text(name, value) or ""
        case "phone":
            text = _text(name, value)
            return normalize_phone(text, region, field=name) if text else None
        case "email":
            text = _text(name, value)
            return normalize_email(text, field=name) if text else None
        case "address":
            if value is None:
                return None
            if not isinstance(value, Address):
                raise InvalidOrganization("address must be an Address", field=name)
            return None if value.is_empty() else value
        case "part_of":
            if value is None:
                return None
            if not isinstance(value, UUID):
                raise InvalidOrganization("part_of must be an organization id", field=name)
            return OrganizationId(value)
        case "type":
            try:
                return OrganizationType(str(value))
            except ValueError as exc:
                raise InvalidOrganization("type must be hospital or department", field=name) from exc
        case "status":
            try:
                return OrganizationStatus(str(value))
            except ValueError as exc:
                raise InvalidOrganization("status must be active or inactive", field=name) from exc
    raise InvalidOrganization(f"cannot change {name}", field=name)


def _text(name: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidOrganization(f"{name} must be text", field=name)
    return value.strip() or None
