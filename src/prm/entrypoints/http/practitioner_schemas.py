"""Wire schemas of the practitioners API (snake_case JSON, msgspec).

Field names are the reference API's ``PractitionerCreate`` / ``PractitionerResponse`` ones
(``first_name``, ``speciality``, ``phone_primary``, ``meta_data``...), plus ``prefix``
(``"Dr."``), ``address`` (a FHIR Address, as for patients), ``organization`` (the practice) and
``external_id`` (the id in the system the practitioner came from). ``gender`` is FHIR
AdministrativeGender.
"""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from prm.application.practitioners.inputs import PractitionerInput
from prm.application.practitioners.ports import PractitionerSummary
from prm.domain.practitioners.model import Organization, Practitioner
from prm.domain.shared.contact import Address
from prm.domain.shared.person import AdministrativeGender
from prm.entrypoints.http.patching import given_fields
from prm.entrypoints.http.patient_schemas import AddressBody, address_body

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Prefix = Annotated[str, msgspec.Meta(min_length=1, max_length=50, description="Title such as Dr. or Prof.")]
Number = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
ExternalId = Annotated[
    str, msgspec.Meta(min_length=1, max_length=255, description="Id in the source system, unique per tenant")
]
Phone = Annotated[
    str,
    msgspec.Meta(
        max_length=64,
        description="Any format; stored as E.164. Without a +country code it is read in the tenant's phone region",
    ),
]
Email = Annotated[str, msgspec.Meta(max_length=320)]
MetaData = Annotated[
    dict[str, Any],
    msgspec.Meta(
        description="Free-form JSON object: at most 8 levels deep, 1,000 keys and values, 16,384 characters of text"
    ),
]


class Struct(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Request bodies: unknown fields are refused. Subclasses repeat ``frozen=True`` for mypy's sake."""


class OrganizationBody(Struct, frozen=True):
    """The practitioner's practice: its name, phone (E.164 in responses), address and source-system id."""

    name: Text
    phone: Phone | None = None
    address: AddressBody | None = None
    external_id: ExternalId | None = None


class CreatePractitionerRequest(Struct, frozen=True):
    """Reference API ``PractitionerCreate``; ``license_number`` and ``external_id`` are unique per tenant."""

    first_name: Name
    last_name: Name
    middle_name: Name | None = None
    prefix: Prefix | None = None
    gender: AdministrativeGender = AdministrativeGender.UNKNOWN
    qualification: Text | None = None
    speciality: Text | None = None
    sub_speciality: Text | None = None
    license_number: Number | None = None
    registration_number: Number | None = None
    phone_primary: Phone | None = None
    email_primary: Email | None = None
    address: AddressBody | None = None
    organization: OrganizationBody | None = None
    is_active: bool = True
    meta_data: MetaData = {}
    external_id: ExternalId | None = None
    tenant_id: UUID | None = None


class UpdatePractitionerRequest(Struct, frozen=True):
    """Only the fields present change (``address``, ``organization`` and ``meta_data`` are
    replaced whole; ``null`` clears an optional field). ``version`` (or the ``If-Match`` header)
    guards against overwriting someone else's change: a stale one is answered 409."""

    first_name: Name | UnsetType = UNSET
    last_name: Name | UnsetType = UNSET
    middle_name: Name | None | UnsetType = UNSET
    prefix: Prefix | None | UnsetType = UNSET
    gender: AdministrativeGender | UnsetType = UNSET
    qualification: Text | None | UnsetType = UNSET
    speciality: Text | None | UnsetType = UNSET
    sub_speciality: Text | None | UnsetType = UNSET
    license_number: Number | None | UnsetType = UNSET
    registration_number: Number | None | UnsetType = UNSET
    phone_primary: Phone | None | UnsetType = UNSET
    email_primary: Email | None | UnsetType = UNSET
    address: AddressBody | None | UnsetType = UNSET
    organization: OrganizationBody | None | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET
    meta_data: MetaData | UnsetType = UNSET
    external_id: ExternalId | None | UnsetType = UNSET
    version: Annotated[int, msgspec.Meta(ge=1)] | UnsetType = UNSET
    tenant_id: UUID | None | UnsetType = UNSET


class PractitionerResponse(msgspec.Struct, frozen=True):
    """Reference API ``PractitionerResponse``; ``name`` is the display name (``"Dr. John Smith"``)."""

    id: UUID
    tenant_id: UUID
    name: str
    prefix: str | None
    first_name: str
    middle_name: str | None
    last_name: str
    gender: AdministrativeGender
    qualification: str | None
    speciality: str | None
    sub_speciality: str | None
    license_number: str | None
    registration_number: str | None
    phone_primary: str | None
    email_primary: str | None
    address: AddressBody | None
    organization: OrganizationBody | None
    is_active: bool
    meta_data: dict[str, Any]
    external_id: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class PractitionerSimpleResponse(msgspec.Struct, frozen=True):
    """Reference API ``PractitionerSimpleResponse``, for dropdowns."""

    id: UUID
    name: str
    speciality: str | None
    is_active: bool


# --- mapping -------------------------------------------------------------------------------------


def to_address(body: AddressBody) -> Address:
    return Address(
        use=body.use,
        line=tuple(body.line),
        city=body.city,
        district=body.district,
        state=body.state,
        postal_code=body.postal_code,
        country=body.country,
    )


def to_organization(body: OrganizationBody) -> Organization:
    return Organization(
        name=body.name,
        phone=body.phone,
        address=to_address(body.address) if body.address else None,
        external_id=body.external_id,
    )


def to_practitioner_input(body: CreatePractitionerRequest) -> PractitionerInput:
    return PractitionerInput(
        first_name=body.first_name,
        last_name=body.last_name,
        middle_name=body.middle_name,
        prefix=body.prefix,
        gender=body.gender,
        qualification=body.qualification,
        speciality=body.speciality,
        sub_speciality=body.sub_speciality,
        license_number=body.license_number,
        registration_number=body.registration_number,
        phone_primary=body.phone_primary,
        email_primary=body.email_primary,
        address=to_address(body.address) if body.address else None,
        organization=to_organization(body.organization) if body.organization else None,
        is_active=body.is_active,
        meta_data=body.meta_data,
        external_id=body.external_id,
    )


def to_changes(body: UpdatePractitionerRequest) -> dict[str, object]:
    """The fields present in ``body`` (but ``version`` and ``tenant_id``), as domain values."""

    def domain(value: object) -> object:
        if isinstance(value, AddressBody):
            return to_address(value)
        return to_organization(value) if isinstance(value, OrganizationBody) else value

    return given_fields(body, domain)


def _organization_body(organization: Organization) -> OrganizationBody:
    return OrganizationBody(
        name=organization.name,
        phone=organization.phone,
        external_id=organization.external_id,
        address=address_body(organization.address) if organization.address else None,
    )


def practitioner_response(practitioner: Practitioner) -> PractitionerResponse:
    d = practitioner.details
    return PractitionerResponse(
        id=practitioner.id,
        tenant_id=practitioner.tenant_id,
        name=practitioner.name,
        prefix=d.prefix,
        first_name=d.first_name,
        middle_name=d.middle_name,
        last_name=d.last_name,
        gender=d.gender,
        qualification=d.qualification,
        speciality=d.speciality,
        sub_speciality=d.sub_speciality,
        license_number=d.license_number,
        registration_number=d.registration_number,
        phone_primary=d.phone_primary,
        email_primary=d.email_primary,
        address=address_body(d.address) if d.address else None,
        organization=_organization_body(d.organization) if d.organization else None,
        is_active=d.is_active,
        meta_data=dict(d.meta_data),
        external_id=d.external_id,
        version=practitioner.version,
        created_at=practitioner.created_at,
        updated_at=practitioner.updated_at,
    )


def practitioner_simple(summary: PractitionerSummary) -> PractitionerSimpleResponse:
    return PractitionerSimpleResponse(
        id=summary.id, name=summary.name, speciality=summary.speciality, is_active=summary.is_active
    )
