"""Wire schemas of the organisations API (snake_case JSON, msgspec).

Field names follow FHIR R4 Organization and PX360's hospitals and departments: ``name``, ``code``
(PX360's ``HOSP001`` / ``DEPT_OPD``, unique per tenant in any case), ``type`` (``hospital`` or
``department``), ``part_of`` (FHIR ``partOf``: the hospital or department it belongs to),
``address`` (a FHIR Address, as for patients), ``phone`` (E.164 in responses), ``email`` and
``status`` (``active`` / ``inactive``).
"""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from prm.application.organizations.inputs import OrganizationInput
from prm.domain.organizations.ids import OrganizationId
from prm.domain.organizations.model import Organization, OrganizationStatus, OrganizationType
from prm.entrypoints.http.patching import given_fields
from prm.entrypoints.http.patient_schemas import AddressBody, address_body
from prm.entrypoints.http.practitioner_schemas import Email, Phone, to_address

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Code = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=64,
        pattern=r"^ *[A-Za-z0-9][A-Za-z0-9_.\-]* *$",
        description="Letters, digits, '_', '-' and '.' (e.g. HOSP001, DEPT_OPD); unique per tenant in any case",
        examples=["DEPT_OPD"],
    ),
]
PartOf = Annotated[
    UUID, msgspec.Meta(description="The hospital or department this one is part of (required for a department)")
]


class Struct(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Request bodies: unknown fields are refused. Subclasses repeat ``frozen=True`` for mypy's sake."""


class CreateOrganizationRequest(Struct, frozen=True):
    """A hospital (``part_of`` optional: another hospital, for a group) or a department
    (``part_of`` required: a hospital or another department of the tenant)."""

    name: Name
    code: Code
    type: OrganizationType
    part_of: PartOf | None = None
    address: AddressBody | None = None
    phone: Phone | None = None
    email: Email | None = None
    status: OrganizationStatus = OrganizationStatus.ACTIVE
    tenant_id: UUID | None = None


class UpdateOrganizationRequest(Struct, frozen=True):
    """Only the fields present change (``address`` is replaced whole; ``null`` clears an optional
    field). ``version`` (or the ``If-Match`` header) guards against overwriting someone else's
    change: a stale one is answered 409."""

    name: Name | UnsetType = UNSET
    code: Code | UnsetType = UNSET
    type: OrganizationType | UnsetType = UNSET
    part_of: PartOf | None | UnsetType = UNSET
    address: AddressBody | None | UnsetType = UNSET
    phone: Phone | None | UnsetType = UNSET
    email: Email | None | UnsetType = UNSET
    status: OrganizationStatus | UnsetType = UNSET
    version: Annotated[int, msgspec.Meta(ge=1)] | UnsetType = UNSET
    tenant_id: UUID | None | UnsetType = UNSET


class OrganizationResponse(msgspec.Struct, frozen=True):
    """An organisation as stored; ``version`` is also its ``ETag``."""

    id: UUID
    tenant_id: UUID
    name: str
    code: str
    type: OrganizationType
    part_of: UUID | None
    address: AddressBody | None
    phone: str | None
    email: str | None
    status: OrganizationStatus
    version: int
    created_at: datetime
    updated_at: datetime


# --- mapping -------------------------------------------------------------------------------------


def to_organization_input(body: CreateOrganizationRequest) -> OrganizationInput:
    return OrganizationInput(
        name=body.name,
        code=body.code,
        type=body.type,
        part_of=OrganizationId(body.part_of) if body.part_of is not None else None,
        address=to_address(body.address) if body.address else None,
        phone=body.phone,
        email=body.email,
        status=body.status,
    )


def to_changes(body: UpdateOrganizationRequest) -> dict[str, object]:
    """The fields present in ``body`` (but ``version`` and ``tenant_id``), as domain values."""
    return given_fields(body, lambda value: to_address(value) if isinstance(value, AddressBody) else value)


def organization_response(organization: Organization) -> OrganizationResponse:
    d = organization.details
    return OrganizationResponse(
        id=organization.id,
        tenant_id=organization.tenant_id,
        name=d.name,
        code=d.code,
        type=d.type,
        part_of=d.part_of,
        address=address_body(d.address) if d.address else None,
        phone=d.phone,
        email=d.email,
        status=d.status,
        version=organization.version,
        created_at=organization.created_at,
        updated_at=organization.updated_at,
    )
